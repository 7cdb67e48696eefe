import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedCall } from '../support/fake-slack.js';
import { buttonTexts, until, AUDIT, requestIdIn, startE2E, type E2E, stopChecked } from './harness.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
});

const approvalTo = (e: E2E, channel: string, requestId: string): Promise<RecordedCall> =>
  e.fake.waitFor(
    (c) =>
      c.method === 'chat.postMessage' &&
      c.args.channel === channel &&
      JSON.stringify(c.args.blocks ?? '').includes('jit_approve') &&
      JSON.stringify(c.args).includes(requestId),
  );

const dmsTo = (e: E2E, user: string): string[] =>
  e.fake
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === user && !JSON.stringify(c.args.blocks ?? '').includes('jit_approve'))
    .map((c) => String(c.args.text));

describe('the access loop over signed Slack requests', () => {
  it('inlineRequest_approved_opensThenClosesAtEndTime_withAuditThread', async () => {
    e2e = await startE2E();
    const reply = await e2e.command('UREQ', 'request web-1 22 198.51.100.7 2s rotate keys');
    expect(reply).toMatch(/waiting for one approval/);
    const id = requestIdIn(reply);

    const approval = await approvalTo(e2e, 'UAPPROVER1', id);
    await approvalTo(e2e, 'UAPPROVER2', id);
    expect(buttonTexts(approval)).toEqual(['Approve', 'Deny']);
    const shown = JSON.stringify(approval.args.blocks);
    for (const fact of ['UREQ', 'web-1', '22/TCP', '198.51.100.7/32', '2s', 'rotate keys', 'default']) expect(shown).toContain(fact);

    expect(await e2e.click('UAPPROVER1', approval, 'jit_approve', { expectReply: false })).toBeUndefined();
    await until(() => e2e!.backend.isOpen(id));
    const rules = await e2e.backend.list();
    expect(rules).toEqual([expect.objectContaining({ requestId: id, vmName: 'web-1', port: 22, protocol: 'TCP', source: '198.51.100.7/32' })]);

    // Both approval messages are rewritten in place, without buttons.
    await e2e.fake.waitFor((c) => c.method === 'chat.update' && c.args.ts === approval.response.ts);
    await until(() => e2e!.fake.callsTo('chat.update').length >= 2);
    const updated = e2e.fake.message(String(approval.response.channel), String(approval.response.ts));
    expect(JSON.stringify(updated?.blocks)).not.toContain('jit_approve');
    expect(JSON.stringify(updated?.blocks)).toContain('Approved by <@UAPPROVER1>');

    // The precise timer closes it about two seconds after opening.
    await until(() => !e2e!.backend.isOpen(id), 4000);
    await until(async () => (await e2e!.bot.workflow.get(id)).state === 'closed');
    const thread = await e2e.auditThread(id);
    expect(thread).toHaveLength(5);
    expect(thread.slice(1).join('\n')).toMatch(/approved[\s\S]*opened[\s\S]*end time was reached[\s\S]*closed/i);
    expect(thread.join('\n')).toMatch(/<!date\^\d+\^/);
    const dms = dmsTo(e2e, 'UREQ');
    expect(dms.length).toBeGreaterThanOrEqual(4);
    expect(dms.join('\n')).toMatch(/ssh 10\.0\.0\.4/);
  });

  it('approval_byRequesterOrStranger_isRefusedEphemerallyAndChangesNothing', async () => {
    e2e = await startE2E({ policy: undefined });
    const id = requestIdIn(await e2e.command('UAPPROVER1', 'request web-1 22 198.51.100.7 1h'));
    const approval = await approvalTo(e2e, 'UAPPROVER2', id);
    expect(await e2e.click('UAPPROVER1', approval, 'jit_approve')).toMatch(/cannot approve your own request/);
    expect(await e2e.click('UAPPROVER1', approval, 'jit_deny')).toMatch(/cannot deny your own request/);
    expect(await e2e.click('USTRANGER', approval, 'jit_approve')).toMatch(/not an approver/);
    expect(await e2e.click('USTRANGER', approval, 'jit_deny')).toMatch(/not an approver/);
    expect((await e2e.bot.workflow.get(id)).state).toBe('pending');
    expect(e2e.backend.isOpen(id)).toBe(false);
    expect(e2e.fake.callsTo('chat.update')).toEqual([]);
  });

  it('deny_updatesTheMessageAndTellsTheRequester', async () => {
    e2e = await startE2E();
    const id = requestIdIn(await e2e.command('UREQ', 'request db-1 5432 198.51.100.7 30m'));
    const approval = await approvalTo(e2e, 'UAPPROVER2', id);
    await e2e.click('UAPPROVER2', approval, 'jit_deny', { expectReply: false });
    await until(async () => (await e2e!.bot.workflow.get(id)).state === 'denied');
    await e2e.bot.flushOutbox();
    const updated = e2e.fake.message(String(approval.response.channel), String(approval.response.ts));
    expect(JSON.stringify(updated?.blocks)).toContain('Denied by <@UAPPROVER2>');
    expect(JSON.stringify(updated?.blocks)).not.toContain('jit_approve');
    expect(dmsTo(e2e, 'UREQ').join('\n')).toMatch(/denied by <@UAPPROVER2>/);
    expect(await e2e.click('UAPPROVER1', approval, 'jit_approve')).toMatch(/already denied/);
    expect(e2e.backend.isOpen(id)).toBe(false);
    expect((await e2e.auditThread(id)).join('\n')).toMatch(/denied/i);
  });

  it('cancelAndRevoke_endRequestsAndCloseGrants', async () => {
    e2e = await startE2E();
    const pendingId = requestIdIn(await e2e.command('UREQ', 'request web-1 22 198.51.100.7 1h'));
    expect(await e2e.command('UOTHER', `cancel ${pendingId}`)).toMatch(/Only the requester can cancel/);
    expect(await e2e.command('UREQ', `cancel ${pendingId}`)).toMatch(/is cancelled/);
    expect((await e2e.bot.workflow.get(pendingId)).state).toBe('cancelled');

    const id = requestIdIn(await e2e.command('UREQ', 'request web-1 22 198.51.100.7 1h'));
    await e2e.click('UAPPROVER1', await approvalTo(e2e, 'UAPPROVER1', id), 'jit_approve', { expectReply: false });
    await until(() => e2e!.backend.isOpen(id));
    expect(await e2e.command('UREQ', 'list')).toMatch(new RegExp(`#${id}`));
    expect(await e2e.command('USTRANGER', `revoke ${id}`)).toMatch(/Only the requester or an approver/);
    expect(e2e.backend.isOpen(id)).toBe(true);
    expect(await e2e.command('UAPPROVER2', `revoke ${id}`)).toMatch(/revoked: access is closed/);
    expect(e2e.backend.isOpen(id)).toBe(false);
    expect((await e2e.auditThread(id)).join('\n')).toMatch(/revoked[\s\S]*closed/i);
  });

  it('approvalChannel_set_postsOneApprovalMessageThere', async () => {
    e2e = await startE2E({ env: { JIT_APPROVAL_CHANNEL: 'CAPPROVALS' } });
    const id = requestIdIn(await e2e.command('UREQ', 'request web-1 22 198.51.100.7 1h'));
    const approval = await approvalTo(e2e, 'CAPPROVALS', id);
    await e2e.bot.flushOutbox();
    const approvalPosts = e2e.fake.callsTo('chat.postMessage').filter((c) => JSON.stringify(c.args.blocks ?? '').includes('jit_approve'));
    expect(approvalPosts).toHaveLength(1);
    await e2e.click('UAPPROVER2', approval, 'jit_approve', { expectReply: false });
    await until(() => e2e!.backend.isOpen(id));
  });

  it('groupApprovers_resolvedThroughUsergroups_memberApproves', async () => {
    e2e = await startE2E({
      groups: { S0SRE: ['USRE1', 'USRE2'] },
      policy: `approvers: [S0SRE]
virtualMachines:
  - id: web-1
    ports: [{number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT1H}]
`,
    });
    const id = requestIdIn(await e2e.command('UREQ', 'request web-1 22 198.51.100.7 30m'));
    const approval = await approvalTo(e2e, 'USRE2', id);
    await approvalTo(e2e, 'USRE1', id);
    expect(JSON.stringify(approval.args.blocks)).toContain('<!subteam^S0SRE>');
    expect(await e2e.click('UOUTSIDER', approval, 'jit_approve')).toMatch(/not an approver/);
    await e2e.click('USRE2', approval, 'jit_approve', { expectReply: false });
    await until(() => e2e!.backend.isOpen(id));
    expect(e2e.fake.callsTo('usergroups.users.list').every((c) => c.args.usergroup === 'S0SRE')).toBe(true);
  });

  it('hostileJustification_isEscapedEverywhere', async () => {
    e2e = await startE2E();
    const id = requestIdIn(await e2e.command('UREQ', 'request web-1 22 198.51.100.7 1h <!channel> <https://evil.example|click> & more'));
    await approvalTo(e2e, 'UAPPROVER1', id);
    await e2e.bot.flushOutbox();
    const everything = JSON.stringify(e2e.fake.calls.map((c) => c.args));
    expect(everything).not.toContain('<!channel>');
    expect(everything).not.toContain('<https://evil.example|click>');
    expect(everything).toContain('&lt;!channel&gt;');
    expect(e2e.fake.calls.some((c) => c.args.channel === AUDIT)).toBe(true);
  });
});

describe('a port that will not close', () => {
  it('closeFailures_areRetriedWithBackoff_andRaiseALoudAlertInTheAuditChannel', async () => {
    e2e = await startE2E();
    const id = requestIdIn(await e2e.command('UREQ', 'request web-1 22 198.51.100.7 1s'));
    e2e.backend.failNext('close', 'firewall unreachable', 3);
    await e2e.click('UAPPROVER1', await approvalTo(e2e, 'UAPPROVER1', id), 'jit_approve', { expectReply: false });
    const alert = await e2e.fake.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === AUDIT && String(c.args.text).startsWith('<!here>'), {
      timeoutMs: 10_000,
    });
    expect(alert.args.thread_ts).toBeUndefined();
    expect(String(alert.args.text)).toMatch(new RegExp(`#${id}.*still open: closing failed 3 times: attempt 3: firewall unreachable`));
    expect(e2e.backend.isOpen(id)).toBe(true);
    expect((await e2e.bot.workflow.get(id)).state).toBe('closing');
    await e2e.bot.sweep(); // the minute sweep's retry, without waiting for the next backoff
    expect((await e2e.bot.workflow.get(id)).state).toBe('closed');
    expect(e2e.backend.isOpen(id)).toBe(false);
  }, 20_000);
});

describe('restarts', () => {
  it('grantThatExpiredWhileTheBotWasDown_isClosedByTheStartupSweep', async () => {
    e2e = await startE2E();
    const id = requestIdIn(await e2e.command('UREQ', 'request web-1 22 198.51.100.7 1s'));
    await e2e.click('UAPPROVER1', await approvalTo(e2e, 'UAPPROVER1', id), 'jit_approve', { expectReply: false });
    await until(() => e2e!.backend.isOpen(id));
    await e2e.bot.stop(); // before the timer fires
    expect(e2e.backend.isOpen(id)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    e2e = await e2e.restart();
    expect(e2e.backend.isOpen(id)).toBe(false);
    expect((await e2e.bot.workflow.get(id)).state).toBe('closed');
    expect((await e2e.auditThread(id)).join('\n')).toMatch(/end time was reached[\s\S]*closed/i);
  });

  it('grantStillRunningAtRestart_getsItsTimerBack', async () => {
    e2e = await startE2E();
    const id = requestIdIn(await e2e.command('UREQ', 'request web-1 22 198.51.100.7 2s'));
    await e2e.click('UAPPROVER1', await approvalTo(e2e, 'UAPPROVER1', id), 'jit_approve', { expectReply: false });
    await until(() => e2e!.backend.isOpen(id));
    e2e = await e2e.restart();
    expect(e2e.backend.isOpen(id)).toBe(true);
    await until(() => !e2e!.backend.isOpen(id), 4000);
    await until(async () => (await e2e!.bot.workflow.get(id)).state === 'closed');
  });

  it('slackOutage_delaysMessagesButLosesNone', async () => {
    e2e = await startE2E();
    e2e.fake.failNext('chat.postMessage', 6, { status: 500 });
    const id = requestIdIn(await e2e.command('UREQ', 'request web-1 22 198.51.100.7 1h'));
    const approval = await approvalTo(e2e, 'UAPPROVER1', id);
    expect(approval.response.ok).toBe(true);
    await until(() => e2e!.fake.callsTo('chat.postMessage').filter((c) => c.response.ok).length >= 4, 15_000);
    // Each message arrived exactly once: the root, the requester's DM, two approval requests.
    const delivered = e2e.fake.callsTo('chat.postMessage').filter((c) => c.response.ok);
    expect(delivered.map((c) => c.args.channel).sort()).toEqual([AUDIT, 'UAPPROVER1', 'UAPPROVER2', 'UREQ']);
    expect(await e2e.auditThread(id)).toHaveLength(1);
  }, 30_000);
});
