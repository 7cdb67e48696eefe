// Extend and revoke from the requester's DM, and the warning before the end,
// through signed Slack requests against the fake Slack Web API.

import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedCall } from '../support/fake-slack.js';
import { AUDIT, buttonTexts, until, requestIdIn, startE2E, type E2E, stopChecked } from './harness.js';
import { asGrant } from '../support/request-overrides.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
});

const POLICY = `
approvers: [UAPPROVER1, UAPPROVER2]
rules:
  - name: web-short
    match: { vms: ["web-*"], maxDuration: 1h }
    effect: approve
    reason: short web access is automatic
virtualMachines:
  - id: web-1
    address: 10.0.0.4
    ports:
      - number: 22
        protocol: TCP
        allowedSourceAddressPrefix: "*"
        maxRequestAccessDuration: PT3H
`;

const MINUTE = 60_000;

/** The requester's DMs that carry grant buttons, oldest first. */
const grantDms = (e: E2E, user: string): RecordedCall[] =>
  e.fake.callsTo('chat.postMessage').filter((c) => c.args.channel === user && JSON.stringify(c.args.blocks ?? '').includes('jit_extend'));

/** Approval messages posted for extension requests (the audit channel's root says so too, and is not one). */
const approvalMessages = (e: E2E): RecordedCall[] =>
  e.fake.callsTo('chat.postMessage').filter((c) => c.args.channel !== AUDIT && String(c.args.text).startsWith('Extension request'));

async function dmNumber(e: E2E, user: string, n: number, text: RegExp): Promise<RecordedCall> {
  await until(() => grantDms(e, user).length >= n);
  const dm = grantDms(e, user)[n - 1]!;
  expect(String(dm.args.text)).toMatch(text);
  return dm;
}

describe('extend and revoke from the DM', () => {
  it('openedDm_hasExtendAndRevokeNow_extendMovesTheEnd_revokeCloses', async () => {
    e2e = await startE2E({ policy: POLICY });
    const id = requestIdIn(await e2e.command('UREQ', 'request web-1 22 198.51.100.7 30m hotfix'));
    const start = (await e2e.bot.workflow.get(id)).startAt!;
    expect(e2e.backend.endOf(id)).toBe(start + 30 * MINUTE);

    const opened = await dmNumber(e2e, 'UREQ', 1, /Port 22 on \*web-1\* is open for 198\.51\.100\.7\/32 until <!date/);
    expect(buttonTexts(opened)).toEqual(['Extend', 'Revoke now']);

    expect(await e2e.click('UOTHER', opened, 'jit_extend')).toMatch(/Only the requester can extend request #/);
    expect(e2e.backend.endOf(id)).toBe(start + 30 * MINUTE);

    // The default extension is the original length again: an hour in all, which the rule still approves.
    expect(await e2e.click('UREQ', opened, 'jit_extend', { expectReply: false })).toBeUndefined();
    await until(() => e2e!.backend.endOf(id) === start + 60 * MINUTE);
    expect((await e2e.bot.workflow.get(id)).endAt).toBe(start + 60 * MINUTE);
    const extended = await dmNumber(e2e, 'UREQ', 2, /is extended: open until <!date/);
    expect(buttonTexts(extended)).toEqual(['Extend', 'Revoke now']);
    expect((await e2e.auditThread(id)).join('\n')).toMatch(
      /Extended by <@UREQ> until <!date\^\d+\^[^>]*>: 30m more, 1h in all; rule web-short: short web access is automatic/,
    );

    // The first DM is stale now: its Extend changes nothing. The next extension
    // (1h30m in all) is past what the rule approves: it waits for approval, and the grant is unchanged.
    expect(await e2e.click('UREQ', opened, 'jit_extend')).toMatch(/was already extended: it is open until/);
    await e2e.click('UREQ', extended, 'jit_extend', { expectReply: false });
    await until(() => approvalMessages(e2e!).length === 2);
    expect(e2e.backend.endOf(id)).toBe(start + 60 * MINUTE);
    expect(await e2e.click('UREQ', extended, 'jit_extend')).toMatch(/already has an extension waiting for approval/);

    await e2e.click('UREQ', extended, 'jit_revoke', { expectReply: false });
    await until(() => !e2e!.backend.isOpen(id));
    await until(async () => (await e2e!.bot.workflow.get(id)).state === 'closed');
    expect((await e2e.auditThread(id)).join('\n')).toMatch(/Extended[\s\S]*revoked by <@UREQ>[\s\S]*Closed/);
    // The revoke cancelled the extension still waiting; its approval messages lose their buttons.
    const extensionId = requestIdIn(String(approvalMessages(e2e)[0]!.args.text));
    expect(await e2e.bot.workflow.get(extensionId)).toMatchObject({ state: 'cancelled', reason: `#${id} was revoked before the extension was decided` });
    await until(() =>
      e2e!.fake.callsTo('chat.update').some((c) => /Cancelled: #\w+ was revoked before the extension was decided/.test(JSON.stringify(c.args))),
    );
    expect(await e2e.click('UREQ', opened, 'jit_revoke')).toMatch(/there is no open grant to revoke/);
    expect(await e2e.click('UREQ', extended, 'jit_extend')).toMatch(/is closed, not open/);
  });

  it('slashExtend_withADuration_extendsByThat_andRefusesPastTheMax', async () => {
    e2e = await startE2E({ policy: POLICY.replace('maxDuration: 1h', 'maxDuration: 3h') });
    const id = requestIdIn(await e2e.command('UREQ', 'request web-1 22 198.51.100.7 2h'));
    const start = (await e2e.bot.workflow.get(id)).startAt!;
    expect(await e2e.command('UREQ', `extend ${id} 30m`)).toMatch(new RegExp(`Request #${id} is extended by 30m: open until <!date`));
    expect(e2e.backend.endOf(id)).toBe(start + 150 * MINUTE);
    // Past the maximum from the original start: only an approval may allow it.
    const pending = await e2e.command('UREQ', `extend ${id} 1h`);
    expect(pending).toMatch(new RegExp(`Extending #${id} by 1h needs approval: extension #\\w+ is waiting for one approval from <@UAPPROVER1>, <@UAPPROVER2>`));
    expect(e2e.backend.endOf(id)).toBe(start + 150 * MINUTE);
    const extensionId = requestIdIn(pending.replace(`#${id}`, ''));
    expect(await e2e.command('UREQ', `cancel ${extensionId}`)).toMatch(/is cancelled/);
    expect(await e2e.command('UREQ', `extend ${id}`)).toMatch(/is extended by 30m, as much as the port maximum allows/);
    expect(e2e.backend.endOf(id)).toBe(start + 180 * MINUTE);
    expect(await e2e.command('UREQ', 'extend nope')).toMatch(/is not a request ID/);
  });
});

describe('an extension that needs approval', () => {
  it('extendButton_pastTheRule_postsAnApprovalMessage_approveMovesTheEnd', async () => {
    e2e = await startE2E({ policy: POLICY });
    const id = requestIdIn(await e2e.command('UREQ', 'request web-1 22 198.51.100.7 1h hotfix'));
    const start = (await e2e.bot.workflow.get(id)).startAt!;
    const opened = await dmNumber(e2e, 'UREQ', 1, /is open for/);

    // 2h in all is past what the rule approves: an extension request goes to the approvers.
    await e2e.click('UREQ', opened, 'jit_extend', { expectReply: false });
    await until(() => approvalMessages(e2e!).length === 2);
    const message = approvalMessages(e2e).find((c) => c.args.channel === 'UAPPROVER1')!;
    const extensionId = requestIdIn(String(message.args.text));
    expect(JSON.stringify(message.args.blocks)).toContain(`asks for an extension of #${id} (+1h): 22/TCP on *web-1*\\nfrom 198.51.100.7/32 · 2h in all`);
    expect(buttonTexts(message)).toEqual(['Approve', 'Deny']);
    expect(e2e.backend.endOf(id)).toBe(start + 60 * MINUTE);

    await e2e.click('UAPPROVER1', message, 'jit_approve', { expectReply: false });
    await until(() => e2e!.backend.endOf(id) === start + 120 * MINUTE);
    expect(await e2e.bot.workflow.get(id)).toMatchObject({ state: 'active', endAt: start + 120 * MINUTE });
    await until(async () => (await e2e!.bot.workflow.get(extensionId)).state === 'closed');
    expect((await e2e.bot.workflow.get(extensionId)).reason).toBe(`applied to #${id}`);
    expect((await e2e.auditThread(id)).join('\n')).toMatch(
      new RegExp(`Extended by <@UAPPROVER1> until <!date[^>]*>: 1h more, 2h in all from the original start; approved by @UAPPROVER1 in #${extensionId}`),
    );
    expect((await e2e.auditThread(extensionId)).join('\n')).toMatch(/Approved by <@UAPPROVER1>[\s\S]*Extension applied: applied to #/);
    await dmNumber(e2e, 'UREQ', 2, /is extended: open until <!date/);
    await until(() => e2e!.fake.callsTo('chat.update').some((c) => c.args.ts === message.response.ts && /applied to #/.test(JSON.stringify(c.args))));
  });
});

describe('the warning before the end', () => {
  it('shortGrant_getsOneWarningDmWithExtend_evenAcrossARestart', async () => {
    e2e = await startE2E({ policy: POLICY, env: { JIT_EXPIRY_WARNING: '2s' } });
    const id = requestIdIn(await e2e.command('UREQ', 'request web-1 22 198.51.100.7 4s'));
    const warning = await dmNumber(e2e, 'UREQ', 2, /ends soon, at <!date.*Need longer\? Click \*Extend\*/);
    expect(buttonTexts(warning)).toEqual(['Extend']);
    expect(asGrant(await e2e.bot.workflow.get(id)).expiryWarnedFor).toBe((await e2e.bot.workflow.get(id)).endAt);

    e2e = await e2e.restart();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(grantDms(e2e, 'UREQ').filter((c) => /ends soon/.test(String(c.args.text)))).toHaveLength(1);

    // Extend from the warning: the grant and the firewall get a new end, and a new warning is armed for it.
    const endAt = (await e2e.bot.workflow.get(id)).endAt!;
    await e2e.click('UREQ', warning, 'jit_extend', { expectReply: false });
    await until(() => e2e!.backend.endOf(id) === endAt + 4000);
    await dmNumber(e2e, 'UREQ', 3, /is extended/);
    await dmNumber(e2e, 'UREQ', 4, /ends soon/);
    await until(async () => (await e2e!.bot.workflow.get(id)).state === 'closed', 8000);
    expect(grantDms(e2e, 'UREQ').filter((c) => /ends soon/.test(String(c.args.text)))).toHaveLength(2);
  }, 20_000);
});
