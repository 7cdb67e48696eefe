// A Deny that does not end a quorum request, and the one reminder approvers get
// halfway to the pending timeout, through signed Slack requests and the fake Slack.

import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedCall } from '../support/fake-slack.js';
import { until, requestIdIn, startE2E, type E2E, stopChecked } from './harness.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
});

const POLICY = `approvers: [UAPPROVER1, UAPPROVER2, UAPPROVER3]
virtualMachines:
  - id: web-1
    address: 10.0.0.4
    ports: [{number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H}]
  - id: db-1
    address: 10.0.0.5
    ports: [{number: 5432, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT2H}]
rules:
  - name: two-of-three
    match: {vms: [web-1]}
    effect: require_approval
    approvals: 2
    denyEndsRequest: false
  - name: quick
    match: {vms: [db-1]}
    effect: require_approval
    pendingTimeout: 2m
`;

const APPROVERS = ['UAPPROVER1', 'UAPPROVER2', 'UAPPROVER3'];

const approvalTo = (e: E2E, channel: string, requestId: string): Promise<RecordedCall> =>
  e.fake.waitFor(
    (c) =>
      c.method === 'chat.postMessage' &&
      c.args.channel === channel &&
      JSON.stringify(c.args.blocks ?? '').includes('jit_approve') &&
      JSON.stringify(c.args).includes(requestId),
  );

const shownIn = (e: E2E, approval: RecordedCall): string =>
  JSON.stringify(e.fake.message(String(approval.response.channel), String(approval.response.ts))?.blocks);

const dmsTo = (e: E2E, user: string): string[] =>
  e.fake
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === user && !JSON.stringify(c.args.blocks ?? '').includes('jit_approve'))
    .map((c) => String(c.args.text));

const threadRepliesUnder = (e: E2E, message: RecordedCall): RecordedCall[] =>
  e.fake.callsTo('chat.postMessage').filter((c) => c.response.ok && c.args.channel === message.response.channel && c.args.thread_ts === message.response.ts);

describe('a Deny that does not end the request', () => {
  it('denyThenTwoApprovals_opensThePort_andTheApprovalMessageShowsTheDenial', async () => {
    e2e = await startE2E({ policy: POLICY });
    const reply = await e2e.command('UREQ', 'request web-1 22 198.51.100.7 1h rotate keys');
    expect(reply).toMatch(/waiting for 2 approvals/);
    const id = requestIdIn(reply);
    const [first, second, third] = await Promise.all(APPROVERS.map((user) => approvalTo(e2e!, user, id)));

    await e2e.click('UAPPROVER1', first!, 'jit_deny', { expectReply: false });
    await until(async () => (await e2e!.bot.workflow.get(id)).denials?.includes('UAPPROVER1') === true);
    await e2e.bot.flushOutbox();
    expect((await e2e.bot.workflow.get(id)).state).toBe('pending');
    // Every approval message is updated in place: the denial in the tally, the buttons still there.
    for (const message of [first!, second!, third!]) {
      expect(shownIn(e2e, message)).toContain('*0 of 2 approvals* · denied by <@UAPPROVER1>');
      expect(shownIn(e2e, message)).toContain('jit_approve');
    }
    expect(dmsTo(e2e, 'UREQ').join('\n')).toMatch(/denied by <@UAPPROVER1>, but it stays open: 2 more approvals/);

    expect(await e2e.click('UAPPROVER1', first!, 'jit_approve')).toMatch(/You denied request #\w+, so you cannot also approve it/);
    expect(await e2e.click('UAPPROVER2', second!, 'jit_approve')).toMatch(/approval of request #\w+ is recorded: 1 of 2/);
    await e2e.bot.flushOutbox();
    expect(shownIn(e2e, third!)).toContain('*1 of 2 approvals*: <@UAPPROVER2> · denied by <@UAPPROVER1>');
    expect(await e2e.click('UAPPROVER2', second!, 'jit_deny')).toMatch(/You approved request #\w+, so you cannot also deny it/);

    await e2e.click('UAPPROVER3', third!, 'jit_approve', { expectReply: false });
    await until(() => e2e!.backend.isOpen(id));
    await until(async () => (await e2e!.bot.workflow.get(id)).state === 'active');
    await e2e.bot.flushOutbox();
    for (const message of [first!, second!, third!]) {
      expect(shownIn(e2e, message)).toContain('Approved by <@UAPPROVER2>, <@UAPPROVER3> (denied by <@UAPPROVER1>)');
      expect(shownIn(e2e, message)).not.toContain('jit_approve');
    }
    const thread = (await e2e.auditThread(id)).join('\n');
    expect(thread).toMatch(/<@UAPPROVER1> denied; the rule lets the request wait[\s\S]*approved[\s\S]*Opened/);
  });
});

describe('the reminder halfway to the pending timeout', () => {
  it('pendingPastHalfway_sweepRemindsOnceInEachApprovalThread_evenAfterARestart', async () => {
    e2e = await startE2E({ policy: POLICY });
    const id = requestIdIn(await e2e.command('UREQ', 'request db-1 5432 198.51.100.7 30m'));
    const approvals = await Promise.all(APPROVERS.map((user) => approvalTo(e2e!, user, id)));
    await e2e.bot.flushOutbox();

    // Faking the clock is not possible here: move the request's creation 61 s back instead (2m timeout).
    const store = e2e.bot.workflow.ctx.store;
    const current = (await store.getRequest(id))!;
    const createdAt = current.createdAt - 61_000;
    expect(await store.transition({ id, state: 'pending', version: current.version }, { ...current, createdAt }, [], [])).toBeDefined();

    await e2e.bot.sweep();
    await e2e.bot.flushOutbox();
    const deadline = Math.floor((createdAt + 120_000) / 1000);
    for (const approval of approvals) {
      const replies = threadRepliesUnder(e2e, approval);
      expect(replies.map((c) => String(c.args.text))).toEqual([
        expect.stringMatching(new RegExp(`^Reminder: request #${id} from <@UREQ> still needs 1 more approval; it times out <!date\\^${deadline}\\^`)),
      ]);
    }
    expect(await e2e.bot.workflow.get(id)).toMatchObject({ state: 'pending', remindedAt: expect.any(Number) });

    await e2e.bot.sweep();
    e2e = await e2e.restart(); // the startup sweep runs again
    await e2e.bot.sweep();
    await e2e.bot.flushOutbox();
    for (const approval of approvals) expect(threadRepliesUnder(e2e, approval)).toHaveLength(1);
    expect((await e2e.bot.workflow.ctx.store.auditEvents(id)).filter((event) => event.name === 'request.reminded')).toHaveLength(1);
  });
});
