// What approvers and requesters read on a phone, through the real bot over
// signed Slack requests: a batch's every VM on the Home, an extension that
// says it is one, break-glass in its own words, a short approval message, the
// "port is open" DM, and countdowns without seconds.

import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../support/fake-clock.js';
import type { RecordedCall } from '../support/fake-slack.js';
import { slashCommand, textValue } from '../support/slack-requests.js';
import { AUDIT, requestIdIn, SECRET, startE2E, stopChecked, until, type E2E } from './harness.js';
import { homeBlocks, homeText, openHome } from './home-support.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
});

const POLICY = `approvers: [UAPPROVER1, UAPPROVER2]
virtualMachines:
  - id: web-1
    address: 10.0.0.4
    ports: [{number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H}]
  - id: db-1
    address: 10.0.0.5
    ports: [{number: 5432, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT2H}]
rules:
  - name: oncall-glass
    match: {requesters: [UONCALL]}
    effect: break_glass
    reason: on-call emergency access
  - name: no-weekend-db
    match: {requesters: [UWEEKEND]}
    effect: deny
    reason: Not on weekends.
  - name: web-short
    match: {vms: ["web-*"], maxDuration: 1h, requesters: [UAUTO]}
    effect: approve
    reason: short web access is automatic
  - name: db-two
    match: {vms: ["db-*"]}
    effect: require_approval
    approvals: 2
`;

const isApproval = (c: RecordedCall): boolean => c.method === 'chat.postMessage' && JSON.stringify(c.args.blocks ?? '').includes('jit_approve');
const approvalTo = (e: E2E, channel: string, requestId: string): Promise<RecordedCall> =>
  e.fake.waitFor((c) => isApproval(c) && c.args.channel === channel && JSON.stringify(c.args).includes(requestId));
const auditRoot = (e: E2E, requestId: string): RecordedCall | undefined =>
  e.fake.callsTo('chat.postMessage').find((c) => c.args.channel === AUDIT && !c.args.thread_ts && String(c.args.text).includes(`#${requestId}:`));
const dmsTo = (e: E2E, user: string): RecordedCall[] => e.fake.callsTo('chat.postMessage').filter((c) => c.args.channel === user);
/** The mrkdwn of a Home section that mentions `needle`. */
const homeSection = (home: RecordedCall, needle: string): string =>
  homeBlocks(home)
    .map((b) => b.text?.text ?? '')
    .find((text) => text.includes(needle)) ?? '';

describe('a batch on the App Home', () => {
  it('home_batchAskingForTwoVms_showsEachVmsOwnPortsAndTally_toTheApproverAndTheRequester', async () => {
    e2e = await startE2E({ policy: POLICY });
    const lead = requestIdIn(await e2e.command('UREQ', 'request web-1,db-1 22,5432 198.51.100.7 1h failover drill'));

    // web-1 needs one approval, db-1 two: one Approve decides both, so both tallies must show.
    const approver = homeSection(await openHome(e2e, 'UAPPROVER1'), `#${lead}`);
    expect(approver).toContain('• *web-1* 22/TCP: 0 of 1 approval');
    expect(approver).toContain('• *db-1* 5432/TCP: 0 of 2 approvals');
    expect(approver).not.toContain('22/TCP on *web-1, db-1*');

    const mine = homeSection(await openHome(e2e, 'UREQ'), `#${lead}`);
    expect(mine).toContain('• *web-1* 22/TCP: waiting, 0 of 1 approval');
    expect(mine).toContain('• *db-1* 5432/TCP: waiting, 0 of 2 approvals');
  });
});

describe('an extension that needs approval', () => {
  it('extension_readsAsAnExtensionOfItsGrant_onTheHomeTheApprovalMessageTheAuditRootAndTheReminder', async () => {
    e2e = await startE2E({ policy: POLICY });
    const grant = requestIdIn(await e2e.command('UAUTO', 'request web-1 22 198.51.100.7 1h hotfix'));
    await until(() => e2e!.backend.isOpen(grant));
    const pending = await e2e.command('UAUTO', `extend ${grant} 30m`);
    const extension = requestIdIn(pending.replace(`#${grant}`, ''));
    const asked = `extension of #${grant} (+30m)`;

    const approval = await approvalTo(e2e, 'UAPPROVER1', extension);
    expect(JSON.stringify(approval.args.blocks)).toContain(`<@UAUTO> asks for an ${asked}: 22/TCP on *web-1*`);
    expect(String(approval.args.text)).toMatch(new RegExp(`^Extension request #${extension}: <@UAUTO> asks for an extension of #${grant} \\(\\+30m\\)`));

    expect(homeSection(await openHome(e2e, 'UAPPROVER1'), `#${extension}`)).toContain(`<@UAUTO> asks for an ${asked}: 22/TCP on *web-1*`);
    expect(homeSection(await openHome(e2e, 'UAUTO'), `#${extension}`)).toMatch(
      new RegExp(`^\\*#${extension}\\* · extension of #${grant} \\(\\+30m\\) · \\*web-1\\*`),
    );

    await e2e.bot.flushOutbox();
    const root = auditRoot(e2e, extension)!;
    expect(String(root.args.text)).toMatch(new RegExp(`^Extension request #${extension}: .*extension of #${grant} \\(\\+30m\\)`));
    expect(JSON.stringify(root.args.blocks)).toContain(`*Extension request #${extension}* · needs 1 approval`);

    // Halfway to the default 30-minute pending timeout: move the creation back, then sweep.
    const store = e2e.bot.workflow.ctx.store;
    const current = (await store.getRequest(extension))!;
    await store.transition({ id: extension, state: 'pending', version: current.version }, { ...current, createdAt: current.createdAt - 901_000 }, [], []);
    await e2e.bot.sweep();
    await e2e.bot.flushOutbox();
    const reminders = e2e.fake.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === approval.response.ts);
    expect(reminders.map((c) => String(c.args.text))).toEqual([
      expect.stringMatching(new RegExp(`^Reminder: #${extension}, an extension of #${grant} \\(\\+30m\\) for <@UAUTO>, still needs 1 more approval`)),
    ]);
  });
});

describe('break-glass', () => {
  it('breakGlass_saysItWasOpenedWithoutApproval_andThatAReviewIsRequired_inTheAuditTheDmsAndTheHome', async () => {
    e2e = await startE2E({ policy: POLICY });
    const id = requestIdIn(await e2e.command('UONCALL', 'request db-1 5432 198.51.100.7 1h INC-77 primary down'));
    await until(() => e2e!.backend.isOpen(id));
    await e2e.bot.flushOutbox();

    const root = JSON.stringify(auditRoot(e2e, id)!.args.blocks);
    expect(root).toContain(`*Break-glass access #${id}* · opened without approval, review required`);
    expect(root).not.toMatch(/needs 0 approvals/);
    const thread = (await e2e.auditThread(id)).join('\n');
    expect(thread).toMatch(/Opened by break-glass: <@UONCALL> took access without approval; review required \(on-call emergency access\)/);
    expect(thread).not.toMatch(/approved their own request/);

    const dms = dmsTo(e2e, 'UONCALL').map((c) => String(c.args.text));
    expect(dms.join('\n')).toMatch(new RegExp(`Your break-glass request #${id} for 5432/TCP on \\*db-1\\* needs no approval: opening access now`));
    expect(dms.join('\n')).not.toMatch(/was approved/);

    const alert = e2e.fake.callsTo('chat.postMessage').find((c) => c.args.channel === AUDIT && String(c.args.text).startsWith('<!here> Break-glass'))!;
    expect(JSON.stringify(alert.args.blocks)).toContain('*Review required*: an approver must look at it and click Acknowledge.');
    expect(homeSection(await openHome(e2e, 'UONCALL'), `#${id}`)).toMatch(/Open until <!date[^>]*> \(\d+m left\) · opened by break-glass, review required/);

    await e2e.click('UAPPROVER2', alert, 'jit_ack_break_glass', { expectReply: false });
    await until(async () => (await e2e!.bot.workflow.get(id)).kind === 'grant' && JSON.stringify(await e2e!.bot.workflow.get(id)).includes('UAPPROVER2'));
    expect(homeSection(await openHome(e2e, 'UONCALL'), `#${id}`)).toContain('opened by break-glass, reviewed');
  });
});

describe('the approval message', () => {
  it('approvalMessage_isWhoWhatWhereHowLongWhyThenButtons_idAndRuleOnceInSmallPrint_anyAddressWarned', async () => {
    e2e = await startE2E({ policy: POLICY });
    const id = requestIdIn(await e2e.command('UREQ', 'request db-1 5432 0.0.0.0/0 1h rotate keys'));
    const approval = await approvalTo(e2e, 'UAPPROVER1', id);
    const blocks = approval.args.blocks as { type: string; text?: { text: string }; fields?: unknown[]; elements?: { text: string }[] }[];

    expect(blocks.map((b) => b.type)).toEqual(['section', 'section', 'actions', 'context']);
    expect(blocks[0]!.text!.text).toBe('<@UREQ> asks for 5432/TCP on *db-1*\n:warning: from any address (0.0.0.0/0) · for 1h\n> rotate keys');
    expect(blocks.some((b) => b.fields !== undefined)).toBe(false);
    const shown = JSON.stringify(blocks);
    expect(shown.match(new RegExp(`#${id}`, 'g'))).toHaveLength(1);
    expect(shown.match(/db-two/g)).toHaveLength(1);
    expect(blocks[3]!.elements![0]!.text).toMatch(new RegExp(`^#${id} · rule db-two requires 2 approvals · asked <!date`));

    await e2e.bot.flushOutbox();
    expect(JSON.stringify(auditRoot(e2e, id)!.args.blocks)).toContain(':warning: from any address (0.0.0.0/0) · for 1h');
  });
});

describe('the requester’s DMs', () => {
  it('denialDm_reasonEndingInAFullStop_getsNoSecondOne', async () => {
    e2e = await startE2E({ policy: POLICY });
    const reply = await e2e.command('UWEEKEND', 'request db-1 5432 198.51.100.7 1h');
    expect(reply).toMatch(/Not on weekends/);
    await e2e.bot.flushOutbox();
    const denied = dmsTo(e2e, 'UWEEKEND').map((c) => String(c.args.text));
    expect(denied.join('\n')).toMatch(/denied by policy: Not on weekends\.$/m);
    expect(denied.join('\n')).not.toContain('..');
  });

  it('createdDm_ofAFormRequestOpenToAnyAddress_carriesTheWarning', async () => {
    // The form has no command reply to warn in: the DM that confirms the request must.
    e2e = await startE2E({ policy: POLICY });
    expect((await slashCommand(e2e.baseUrl, SECRET, { text: 'request', userId: 'UREQ', responseUrl: e2e.fake.responseUrl() })).status).toBe(200);
    await e2e.fake.waitFor('views.open');
    const single = (value: string) => ({ type: 'multi_static_select', selected_options: [{ text: { type: 'plain_text', text: value }, value }] });
    const submitted = await e2e.submitModal('UREQ', {
      vm: { vm_select: single('db-1') },
      ports: { ports_select: single('5432') },
      source: { source_input: textValue('0.0.0.0/0') },
      duration: { duration_input: textValue('30m') },
      justification: { justification_input: textValue('restore') },
    });
    expect(submitted.json ?? {}, JSON.stringify(submitted.json)).not.toHaveProperty('response_action');
    await until(async () => {
      await e2e!.bot.flushOutbox();
      return dmsTo(e2e!, 'UREQ').length > 0;
    });
    expect(String(dmsTo(e2e, 'UREQ')[0]!.args.text)).toMatch(/waiting for approval/);
    expect(String(dmsTo(e2e, 'UREQ')[0]!.args.text)).toContain(':warning: from any address (0.0.0.0/0)');
  });

  it('openedDm_namesTheRequest_putsOnlyTheCommandInTheCodeSpan_andItsRevokeAsksFirst', async () => {
    e2e = await startE2E({ policy: POLICY });
    const id = requestIdIn(await e2e.command('UAUTO', 'request web-1 22 198.51.100.7 1h hotfix'));
    const opened = await e2e.fake.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === 'UAUTO' && /is open for/.test(String(c.args.text)));
    const text = String(opened.args.text);
    expect(text).toMatch(
      new RegExp(`^Port 22 on \\*web-1\\* is open for 198\\.51\\.100\\.7/32 until <!date[^>]*> \\(request #${id}\\)\\.\\nConnect: \`ssh 10\\.0\\.0\\.4\`$`),
    );

    const revoke = (opened.args.blocks as { type: string; elements?: { action_id: string; confirm?: unknown }[] }[])
      .flatMap((b) => b.elements ?? [])
      .find((el) => el.action_id === 'jit_revoke');
    expect(revoke?.confirm).toEqual({
      title: { type: 'plain_text', text: 'Revoke access?' },
      text: { type: 'plain_text', text: `Close 22/TCP on web-1 now (request #${id})?` },
      confirm: { type: 'plain_text', text: 'Revoke' },
      deny: { type: 'plain_text', text: 'Keep it open' },
    });
  });
});

describe('countdowns', () => {
  it('home_countdownAboveAMinute_showsWholeMinutes_notSeconds', async () => {
    const clock = new FakeClock();
    e2e = await startE2E({ policy: POLICY, clock });
    const id = requestIdIn(await e2e.command('UAUTO', 'request web-1 22 198.51.100.7 1h hotfix'));
    await until(() => e2e!.backend.isOpen(id));
    clock.advance(12_000);

    const home = await openHome(e2e, 'UAUTO');
    expect(homeSection(home, `*#${id}*`)).toMatch(/\(59m left\)$/);
    expect(homeSection(home, '*web-1*')).toContain('(59m left)');
    expect(homeText(home)).not.toMatch(/\d+s left/);
    expect(await e2e.command('UAUTO', 'list')).toContain('(59m left)');
    expect(await e2e.command('UAUTO', 'vms')).toContain('(59m left)');
  });
});
