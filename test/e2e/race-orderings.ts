// How the two sides of each timing race meet. "Together" sends both at the same
// instant and lets the machine decide; the others start the second side while
// the first is provably inside its use case (waiting for Slack, or held inside
// the firewall), the moment a lock or compare-and-swap has to decide.

import type { RecordedCall } from '../support/fake-slack.js';
import type { GatedFirewall } from '../support/gated-firewall.js';
import type { E2E } from './harness.js';
import { clickOnce, type SentClick } from './race-counts.js';

export interface RaceContext {
  e: E2E;
  firewall: GatedFirewall;
  /** The message clicked: the approval message, or the requester's grant DM. */
  message: RecordedCall;
  id: string;
}

type Ordering = (race: RaceContext) => Promise<SentClick>;

/** An approver's Approve against the sweep that times the request out, at the deadline. */
export const TIMEOUT_ORDERINGS: Record<string, Ordering> = {
  together: async ({ e, message }) => (await Promise.all([clickOnce(e, message, 'jit_approve', 'UAPP01'), e.bot.sweep()]))[0],
  /** The sweep starts while the click's approval waits for Slack to list the approver group. */
  duringApproverLookup: async ({ e, message }) => {
    const lookup = e.fake.waitFor((c) => c.method === 'usergroups.users.list', { from: e.fake.calls.length });
    const click = clickOnce(e, message, 'jit_approve', 'UAPP01');
    await lookup; // Slack has answered; the bot has not read the answer yet
    return (await Promise.all([click, e.bot.sweep()]))[0];
  },
  /** The sweep starts while the firewall is opening the click's grant. */
  duringOpen: async ({ e, firewall, message, id }) => {
    const hold = firewall.hold('open', id);
    const click = clickOnce(e, message, 'jit_approve', 'UAPP01');
    await hold.entered;
    const sweep = e.bot.sweep();
    hold.release();
    return (await Promise.all([click, sweep]))[0];
  },
};

/** The requester's Revoke now against the grant's own timer and the sweep, at the end time. */
export const REVOKE_ORDERINGS: Record<string, Ordering> = {
  together: async ({ e, message, id }) => (await Promise.all([clickOnce(e, message, 'jit_revoke', 'UREQ'), e.bot.workflow.expire(id), e.bot.sweep()]))[0],
  /** The timer's close is in the firewall when the click and the sweep arrive. */
  timerFirst: async ({ e, firewall, message, id }) => {
    const hold = firewall.hold('close', id);
    const timer = e.bot.workflow.expire(id);
    await hold.entered;
    const click = await clickOnce(e, message, 'jit_revoke', 'UREQ'); // acked, so its revoke has started
    const sweep = e.bot.sweep();
    hold.release();
    await Promise.all([timer, sweep]);
    return click;
  },
  /** The click's close is in the firewall when the timer and the sweep fire. */
  clickFirst: async ({ e, firewall, message, id }) => {
    const hold = firewall.hold('close', id);
    const click = clickOnce(e, message, 'jit_revoke', 'UREQ');
    await hold.entered;
    const others = Promise.all([e.bot.workflow.expire(id), e.bot.sweep()]);
    hold.release();
    await others;
    return click;
  },
};
