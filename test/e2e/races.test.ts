// Races over real HTTP: the real Bolt app, signed requests, the fake Slack and
// the memory firewall. Fifty Approve clicks at once, a click against the pending
// timeout, a Revoke against the expiry: each ends in exactly one outcome, with
// one firewall change, one audit event and one message for it, and every click
// is answered 200.
//
// A race needs a wait inside the use case for the other side to slip into. Here
// there are real ones: approvers are a user group, read from Slack whenever the
// bot's cached copy is stale (the fake clock makes it stale on purpose), and the
// firewall can hold an open or close mid-call. Where a race must hit a precise
// moment, the test starts the other side at that moment instead of hoping.

import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../support/fake-clock.js';
import type { RecordedCall } from '../support/fake-slack.js';
import { GatedFirewall } from '../support/gated-firewall.js';
import { REVOKE_ORDERINGS, TIMEOUT_ORDERINGS } from './race-orderings.js';
import {
  clickAll,
  clickOnce,
  countOf,
  dmsAbout,
  eventNames,
  firewallCalls,
  messageWithButton,
  outboxRows,
  repliesTo,
  updatesOf,
  type SentClick,
} from './race-counts.js';
import { requestIdIn, startE2E, stopChecked, until, type E2E, type E2EOptions } from './harness.js';

const APPROVAL_CHANNEL = 'CAPPROVALS';
const GROUP = 'S0ONCALL';
const APPROVERS = Array.from({ length: 50 }, (_, i) => `UAPP${String(i).padStart(2, '0')}`);
const MINUTE = 60_000;
/** Longer than the directory keeps a group's members: the next lookup goes to Slack. */
const PAST_DIRECTORY_CACHE = 10 * MINUTE;
const PENDING_TIMEOUT = 30 * MINUTE;
/** Rounds of each timing race; they cycle through its orderings. */
const ROUNDS = 12;

const POLICY = `approvers: [${GROUP}]
virtualMachines:
  - id: web-1
    address: 10.0.0.4
    ports: [{number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H}]
  - id: db-1
    address: 10.0.0.5
    ports: [{number: 5432, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H}]
  - id: app-1
    address: 10.0.0.6
    ports: [{number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H}]
rules:
  - {name: one-approval, match: {vms: [web-1]}, effect: require_approval, pendingTimeout: 30m}
  - {name: two-approvals, match: {vms: [db-1]}, effect: require_approval, approvals: 2}
  - {name: automatic, match: {vms: [app-1]}, effect: approve}
`;

let e2e: E2E | undefined;
let clock: FakeClock;
let firewall: GatedFirewall;
afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
});

function options(): E2EOptions {
  return {
    policy: POLICY,
    clock,
    groups: { [GROUP]: APPROVERS },
    // The tests run the sweep themselves, at the instants they choose; the cron's would land anywhere.
    env: { JIT_APPROVAL_CHANNEL: APPROVAL_CHANNEL, JIT_SWEEP_SCHEDULE: '0 0 1 1 *' },
  };
}

async function start(): Promise<E2E> {
  clock = new FakeClock();
  firewall = new GatedFirewall();
  e2e = await startE2E({ ...options(), backend: firewall });
  return e2e;
}

/** A new request by UREQ with its approval message out, and the approver group's cached members stale. */
async function pendingRequest(e: E2E, vm: 'web-1' | 'db-1'): Promise<{ id: string; approval: RecordedCall }> {
  const id = requestIdIn(await e.command('UREQ', `request ${vm} ${vm === 'web-1' ? 22 : 5432} 198.51.100.7 1h`));
  const approval = await messageWithButton(e, APPROVAL_CHANNEL, 'jit_approve', id);
  await e.bot.flushOutbox();
  clock.advance(PAST_DIRECTORY_CACHE);
  return { id, approval };
}

/**
 * Waits until every click was dealt with: each got an ephemeral reply, except
 * the one that completed the approval (the message update speaks for it).
 * Counting both lets a double win settle too, and fail the assertions after.
 */
async function settle(e: E2E, id: string, clicks: SentClick[]): Promise<void> {
  await until(async () => repliesTo(e, clicks).length + countOf(await eventNames(e, id), 'request.approved') >= clicks.length, 15_000);
  await until(async () => (await e.bot.workflow.get(id)).state !== 'approved');
  await e.bot.workflow.idle();
  await e.bot.flushOutbox();
}

function expectAllAcked(clicks: SentClick[]): void {
  expect(clicks.map((c) => c.status)).toEqual(clicks.map(() => 200));
}

/** One grant, opened once and announced once: audit events, the requester's DMs, the approval message. */
async function expectOneGrant(e: E2E, id: string, approval: RecordedCall): Promise<void> {
  expect((await e.bot.workflow.get(id)).state).toBe('active');
  expect(firewallCalls(e, 'open', id)).toBe(1);
  expect(e.backend.isOpen(id)).toBe(true);
  const events = await eventNames(e, id);
  expect(countOf(events, 'request.approved')).toBe(1);
  expect(countOf(events, 'grant.opened')).toBe(1);
  const dms = dmsAbout(e, 'UREQ', id);
  expect(dms.filter((text) => /was approved/.test(text))).toHaveLength(1);
  expect(dms.filter((text) => /is open/.test(text))).toHaveLength(1);
  expect(updatesOf(e, approval).filter((c) => /Approved by/.test(String(c.args.text)))).toHaveLength(1);
  expect(JSON.stringify(e.fake.message(String(approval.response.channel), String(approval.response.ts))?.blocks)).not.toContain('jit_approve');
}

describe('fifty Approve clicks at once', () => {
  it('fiftyApprovers_clickTogether_oneGrantOneEventOneMessage_allAcked', async () => {
    const e = await start();
    const { id, approval } = await pendingRequest(e, 'web-1');
    const clicks = await clickAll(e, approval, 'jit_approve', APPROVERS);
    expectAllAcked(clicks);
    await settle(e, id, clicks);

    await expectOneGrant(e, id, approval);
    expect(updatesOf(e, approval)).toHaveLength(1);
    // Every other clicker is told, in a sentence, that someone else decided first.
    const winner = (await e.bot.workflow.get(id)).decidedBy!;
    expect(clicks.filter((c) => c.user === winner)).toHaveLength(1);
    const replies = repliesTo(e, clicks);
    expect(replies).toHaveLength(49);
    for (const reply of replies)
      expect(reply).toMatch(new RegExp(`^Request #${id} was not changed: it is already (approved|active) \\(by <@${winner}>\\)\\.$`));
  });

  it('oneApprover_clicksFiftyTimes_oneGrant', async () => {
    const e = await start();
    const { id, approval } = await pendingRequest(e, 'web-1');
    const clicks = await clickAll(e, approval, 'jit_approve', Array<string>(50).fill('UAPP07'));
    expectAllAcked(clicks);
    await settle(e, id, clicks);

    await expectOneGrant(e, id, approval);
    expect(updatesOf(e, approval)).toHaveLength(1);
    expect(repliesTo(e, clicks)).toHaveLength(49);
  });

  it('quorumOfTwo_fiftyApproversClickTogether_oneGrantFromExactlyTwoApprovals', async () => {
    const e = await start();
    const { id, approval } = await pendingRequest(e, 'db-1');
    const clicks = await clickAll(e, approval, 'jit_approve', APPROVERS);
    expectAllAcked(clicks);
    await settle(e, id, clicks);

    await expectOneGrant(e, id, approval);
    const { approvals } = await e.bot.workflow.get(id);
    expect(new Set(approvals).size).toBe(2);
    expect(approvals).toHaveLength(2);
    expect(countOf(await eventNames(e, id), 'request.approval_added')).toBe(1);
    // The tally once (1 of 2), then the decision once.
    expect(updatesOf(e, approval).map((c) => /Approved by/.test(String(c.args.text)))).toEqual([false, true]);
    const replies = repliesTo(e, clicks);
    expect(replies.filter((text) => /is recorded: 1 of 2/.test(text))).toHaveLength(1);
    expect(replies.filter((text) => /was not changed: it is already (approved|active)/.test(text))).toHaveLength(48);
  });

  it('quorumOfTwo_oneApproverClicksFiftyTimes_countsOnceAndStaysPending', async () => {
    const e = await start();
    const { id, approval } = await pendingRequest(e, 'db-1');
    const clicks = await clickAll(e, approval, 'jit_approve', Array<string>(50).fill('UAPP07'));
    expectAllAcked(clicks);
    await until(() => repliesTo(e, clicks).length === 50, 15_000);
    await e.bot.workflow.idle();
    await e.bot.flushOutbox();

    expect(await e.bot.workflow.get(id)).toMatchObject({ state: 'pending', approvals: ['UAPP07'] });
    expect(countOf(await eventNames(e, id), 'request.approval_added')).toBe(1);
    expect(firewallCalls(e, 'open', id)).toBe(0);
    expect(updatesOf(e, approval)).toHaveLength(1);
    const replies = repliesTo(e, clicks);
    expect(replies.filter((text) => /is recorded: 1 of 2/.test(text))).toHaveLength(1);
    expect(replies.filter((text) => /you have already approved/.test(text))).toHaveLength(49);
  });

  it('twoBotsOnOneDatabase_fiftyClicksSplitBetweenThem_theCompareAndSwapLetsOneWin', async () => {
    // Each bot serialises its own clicks; only the store's compare-and-swap stands between the two.
    const e = await start();
    const { id, approval } = await pendingRequest(e, 'web-1');
    const other = await startE2E({ ...options(), shared: { fake: e.fake, backend: e.backend, dir: e.dir } });
    try {
      const clicks = await Promise.all(APPROVERS.map((user, i) => clickOnce(i % 2 === 0 ? e : other, approval, 'jit_approve', user)));
      expectAllAcked(clicks);
      await until(async () => repliesTo(e, clicks).length + countOf(await eventNames(e, id), 'request.approved') >= clicks.length, 15_000);
      await until(async () => (await e.bot.workflow.get(id)).state !== 'approved');
      await Promise.all([e.bot.workflow.idle(), other.bot.workflow.idle()]);

      expect((await e.bot.workflow.get(id)).state).toBe('active');
      expect(firewallCalls(e, 'open', id)).toBe(1);
      const events = await eventNames(e, id);
      expect(countOf(events, 'request.approved')).toBe(1);
      expect(countOf(events, 'grant.opened')).toBe(1);
      // What the two bots queued for Slack, counted in the shared outbox: one of each.
      expect(outboxRows(e, id, 'requester_dm', 'request.approved')).toBe(1);
      expect(outboxRows(e, id, 'approval_update')).toBe(1);
      expect(repliesTo(e, clicks)).toHaveLength(49);
    } finally {
      await other.bot.stop();
    }
  });
});

describe('an Approve click at the pending deadline', () => {
  it('clickAndTimeoutSweep_atTheDeadline_exactlyOneOutcome_neverAGrantForATimedOutRequest', async () => {
    const e = await start();
    const orderings = Object.values(TIMEOUT_ORDERINGS);
    for (let round = 0; round < ROUNDS; round++) {
      const { id, approval } = await pendingRequest(e, 'web-1');
      clock.advance((await e.bot.workflow.get(id)).createdAt + PENDING_TIMEOUT - clock.now()); // exactly the deadline
      const click = await orderings[round % orderings.length]!({ e, firewall, message: approval, id });
      expectAllAcked([click]);
      await settle(e, id, [click]);

      const { state } = await e.bot.workflow.get(id);
      const events = await eventNames(e, id);
      const dms = dmsAbout(e, 'UREQ', id);
      expect(updatesOf(e, approval)).toHaveLength(1);
      if (state === 'timed_out') {
        expect(countOf(events, 'request.timed_out')).toBe(1);
        expect(events.filter((name) => name === 'request.approved' || name === 'grant.opened')).toEqual([]);
        expect(firewallCalls(e, 'open', id)).toBe(0);
        expect(e.backend.isOpen(id)).toBe(false);
        expect(dms.filter((text) => /timed out/.test(text))).toHaveLength(1);
        expect(dms.filter((text) => /was approved|is open/.test(text))).toEqual([]);
        expect(repliesTo(e, [click])).toEqual([`Request #${id} was not changed: it is already timed out.`]);
      } else {
        await expectOneGrant(e, id, approval);
        expect(countOf(events, 'request.timed_out')).toBe(0);
        expect(dms.filter((text) => /timed out/.test(text))).toEqual([]);
        expect(repliesTo(e, [click])).toEqual([]);
      }
    }
  }, 60_000);
});

describe('a Revoke click at the end time', () => {
  it('revokeTimerAndSweep_atTheEnd_closeOnce_tellTheRequesterOnce', async () => {
    const e = await start();
    const orderings = Object.values(REVOKE_ORDERINGS);
    for (let round = 0; round < ROUNDS; round++) {
      const id = requestIdIn(await e.command('UREQ', 'request app-1 22 198.51.100.7 1h'));
      const dm = await messageWithButton(e, 'UREQ', 'jit_revoke', id);
      await e.bot.flushOutbox();
      clock.advance((await e.bot.workflow.get(id)).endAt! - clock.now()); // exactly the end
      const click = await orderings[round % orderings.length]!({ e, firewall, message: dm, id });
      expectAllAcked([click]);
      await until(
        async () =>
          (await e.bot.workflow.get(id)).state === 'closed' && ((await e.bot.workflow.get(id)).reason === 'revoked' || repliesTo(e, [click]).length > 0),
        15_000,
      );
      await e.bot.workflow.idle();
      await e.bot.flushOutbox();

      const { reason } = await e.bot.workflow.get(id);
      const events = await eventNames(e, id);
      expect(firewallCalls(e, 'close', id)).toBe(1);
      expect(e.backend.isOpen(id)).toBe(false);
      expect(countOf(events, 'grant.closing')).toBe(1);
      expect(countOf(events, 'grant.closed')).toBe(1);
      expect(dmsAbout(e, 'UREQ', id).filter((text) => /is closed/.test(text))).toHaveLength(1);
      // The revoke that lost says why; the one that won shows as the DM above.
      if (reason === 'revoked') expect(repliesTo(e, [click])).toEqual([]);
      else expect([reason, ...repliesTo(e, [click])]).toEqual(['expired', `Request #${id} is closed; there is no open grant to revoke.`]);
    }
  }, 60_000);
});
