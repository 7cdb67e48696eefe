// Approve and Deny buttons on approval messages and the App Home, and Acknowledge on break-glass alerts. The
// click's own user is authorised by the workflow; a refusal is an ephemeral reply (a DM from the Home) that changes nothing.

import { normaliseRequestId } from '../../domain/ids.js';
import { APPROVAL_IDS } from '../blocks/approval.js';
import { BREAK_GLASS_IDS } from '../blocks/break-glass.js';
import { onButton } from './click-reply.js';
import type { ListenerDeps } from './deps.js';
import type { Listeners } from './router.js';

type Decide = (id: string, user: string, whisper: (text: string) => Promise<unknown>) => Promise<unknown>;

export function registerApprovalButtons(app: Listeners, deps: ListenerDeps): void {
  onRequestButton(app, deps, APPROVAL_IDS.approve, async (id, user, whisper) => {
    const result = await deps.workflow.approve(id, user);
    // A completed decision shows in the message itself (updated in place); a partial one needs saying.
    if (result.members) {
      const partial = result.members
        .filter((member) => member.outcome === 'approval_added')
        .map(({ request }) => `#${request.id} ${request.approvals.length} of ${request.decision.approvalsNeeded}`);
      if (partial.length > 0) await whisper(`Your approval is recorded; still waiting for more: ${partial.join(', ')}.`);
      return;
    }
    if (result.outcome === 'approval_added') {
      const { approvals, decision } = result.request;
      await whisper(`Your approval of request #${id} is recorded: ${approvals.length} of ${decision.approvalsNeeded}.`);
    }
  });
  onRequestButton(app, deps, APPROVAL_IDS.deny, async (id, user, whisper) => {
    const result = await deps.workflow.deny(id, user);
    // Under `denyEndsRequest: false` the request stays open to the others: say what the click did.
    if (result.members) {
      const kept = result.members.filter((member) => member.outcome === 'denial_added').map(({ request }) => `#${request.id}`);
      if (kept.length > 0) await whisper(`Your Deny is recorded; ${kept.join(', ')} stay open until enough approvals or their timeout.`);
      return;
    }
    if (result.outcome === 'denial_added') await whisper(`Your Deny of request #${id} is recorded; it stays open until enough approvals or its timeout.`);
  });
  // Break-glass alerts: the review after the fact. Success shows in the alert itself (updated in place).
  onRequestButton(app, deps, BREAK_GLASS_IDS.acknowledge, (id, user) => deps.workflow.acknowledge(id, user));
}

/** A button whose value is a request ID. */
export function onRequestButton(app: Listeners, deps: ListenerDeps, actionId: string, decide: Decide): void {
  onButton(app, deps, actionId, {
    read: (value) => normaliseRequestId(value) || undefined,
    invalid: 'That click does not carry a valid request ID or user; nothing was changed.',
    describe: (id) => id,
    act: (id, user, reply) => decide(id, user, reply.whisper),
  });
}
