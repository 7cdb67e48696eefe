// The App Home tab through the real Bolt app over signed HTTP: published on
// app_home_opened, checked by the fake Slack's Block Kit limits with 0, 1 and
// 500 VMs, and its buttons (Cancel, Revoke, Approve, Enable JIT, Edit) clicked.

import { afterEach, describe, expect, it } from 'vitest';
import { requestIdIn, startE2E, stopChecked, until, type E2E } from './harness.js';
import { clickHome, dmsSince, homeBlocks, homeButtons, homeHeaders, homeText, openHome, policyWithVms } from './home-support.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
});

describe('App Home', () => {
  it('home_withNoVms_isPublished_withoutEmptyInventoryGroups', async () => {
    e2e = await startE2E({ policy: policyWithVms(0) });
    const home = await openHome(e2e, 'UHOME');
    expect(home.response.ok).toBe(true);
    expect(homeHeaders(home)).toEqual(['Just-in-time VM access', 'Your requests', 'Configured VMs (0)']);
    expect(homeButtons(home)).toEqual([]);
  });

  it('home_withOneVm_showsItsActivity_andTheRequestersRevokeButton', async () => {
    e2e = await startE2E({ policy: policyWithVms(1) });
    const id = requestIdIn(await e2e.command('UREQ', 'request vm-000 22 198.51.100.7 1h patch'));
    await e2e.bot.workflow.approve(id, 'UAPPROVER1');

    const home = await openHome(e2e, 'UREQ');
    expect(home.response.ok).toBe(true);
    expect(homeHeaders(home)).toContain('Configured VMs (1)');
    const vm = homeBlocks(home).find((b) => b.text?.text.startsWith('*vm-000*'))!.text!.text;
    expect(vm).toContain('22/TCP (max 3h) · backend `memory`');
    expect(vm).toMatch(/1 approved request in the last 7 days · last access <!date\^\d+.*> by <@UREQ>/);
    expect(vm).toContain(`Open now: #${id} <@UREQ> 22/TCP until`);
    expect(homeButtons(home)).toEqual([['Revoke', 'jit_revoke', id]]);
  });

  it('home_with500Vms_staysWithinSlacksLimits_summarisingTheRest', async () => {
    e2e = await startE2E({ policy: policyWithVms(500), env: { JIT_ADMINS: 'UADMIN' } });
    e2e.backend.seen = [
      ...Array.from({ length: 500 }, (_, i) => ({
        id: `spare-${String(i).padStart(3, '0')}`,
        name: `spare-${String(i).padStart(3, '0')}`,
        support: 'supported' as const,
      })),
      ...Array.from({ length: 500 }, (_, i) => ({
        id: `old-${i}`,
        name: `old-${i}`,
        support: 'unsupported' as const,
        reason: 'no network security group guards it',
      })),
    ];
    const home = await openHome(e2e, 'UADMIN');
    expect(home.response.ok).toBe(true);
    expect(homeBlocks(home).length).toBeLessThanOrEqual(100);
    expect(homeHeaders(home)).toEqual(expect.arrayContaining(['Configured VMs (500)', 'Not configured (500)', 'Unsupported (500)']));
    expect(homeButtons(home).filter(([text]) => text === 'Enable JIT').length).toBeGreaterThan(0);
    expect(homeText(home)).toMatch(/…and \d+ more: `\/jit vms` lists every VM/);
  });

  it('home_cancelClicked_cancelsTheRequest_andRepublishesTheHome', async () => {
    e2e = await startE2E();
    const id = requestIdIn(await e2e.command('UREQ', 'request web-1 22 198.51.100.7 1h'));
    const home = await openHome(e2e, 'UREQ');
    expect(homeButtons(home)).toEqual([['Cancel', 'jit_cancel', id]]);

    const after = await clickHome(e2e, 'UREQ', home, 'jit_cancel');

    expect((await e2e.bot.workflow.get(id)).state).toBe('cancelled');
    expect(after.response.ok).toBe(true);
    expect(homeButtons(after)).toEqual([]);
    expect(homeText(after)).toContain('You have no pending or active requests');
  });

  it('home_cancelClickedBySomeoneElse_isRefusedByDm_andChangesNothing', async () => {
    e2e = await startE2E();
    const id = requestIdIn(await e2e.command('UREQ', 'request web-1 22 198.51.100.7 1h'));
    const home = await openHome(e2e, 'UREQ');
    const from = e2e.fake.calls.length;

    // A forged click: the stranger's own Home never shows this button.
    await clickHome(e2e, 'USTRANGER', home, 'jit_cancel', { value: id });

    expect((await e2e.bot.workflow.get(id)).state).toBe('pending');
    expect(dmsSince(e2e, 'USTRANGER', from)).toEqual([expect.stringMatching(/Only the requester can cancel request #/)]);
  });

  it('home_revokeClicked_closesTheGrant_andRepublishesTheHome', async () => {
    e2e = await startE2E();
    const id = requestIdIn(await e2e.command('UREQ', 'request web-1 22 198.51.100.7 1h'));
    await e2e.bot.workflow.approve(id, 'UAPPROVER1');
    expect(e2e.backend.isOpen(id)).toBe(true);
    const home = await openHome(e2e, 'UREQ');

    const after = await clickHome(e2e, 'UREQ', home, 'jit_revoke', { value: id });

    expect(e2e.backend.isOpen(id)).toBe(false);
    expect((await e2e.bot.workflow.get(id)).state).toBe('closed');
    expect(homeButtons(after)).toEqual([]);
  });

  it('home_revokeClickedByAStranger_isRefusedByDm_andTheGrantStaysOpen', async () => {
    e2e = await startE2E();
    const id = requestIdIn(await e2e.command('UREQ', 'request web-1 22 198.51.100.7 1h'));
    await e2e.bot.workflow.approve(id, 'UAPPROVER1');
    const home = await openHome(e2e, 'UREQ');
    const from = e2e.fake.calls.length;

    await clickHome(e2e, 'USTRANGER', home, 'jit_revoke', { value: id });

    expect(e2e.backend.isOpen(id)).toBe(true);
    expect(dmsSince(e2e, 'USTRANGER', from)).toEqual([expect.stringMatching(/Only the requester or an approver can revoke/)]);
  });

  it('home_ofAnApprover_listsTheWaitingRequest_whoseApproveOpensIt', async () => {
    e2e = await startE2E();
    const id = requestIdIn(await e2e.command('UREQ', 'request web-1 22 198.51.100.7 1h'));
    const home = await openHome(e2e, 'UAPPROVER2');
    expect(homeHeaders(home)).toContain('Waiting for your approval (1)');
    expect(homeButtons(home)).toEqual([
      ['Approve', 'jit_approve', id],
      ['Deny', 'jit_deny', id],
    ]);
    expect(homeHeaders(await openHome(e2e, 'UREQ'))).not.toContain('Waiting for your approval (1)');

    const after = await clickHome(e2e, 'UAPPROVER2', home, 'jit_approve');

    await until(() => e2e!.backend.isOpen(id));
    expect(homeHeaders(after)).not.toContain('Waiting for your approval (1)');
  });

  it('home_enableJit_isShownToAdmins_andItsClickEnablesTheVmWithTheDefaults', async () => {
    e2e = await startE2E({ env: { JIT_ADMINS: 'UADMIN' } });
    e2e.backend.seen = [{ id: 'spare-1', name: 'spare-1', support: 'supported' }];
    expect(homeButtons(await openHome(e2e, 'UPLAIN'))).toEqual([]);
    const home = await openHome(e2e, 'UADMIN');
    expect(homeButtons(home)).toEqual([
      ['Edit', 'jit_edit_vm_open', 'web-1'],
      ['Edit', 'jit_edit_vm_open', 'db-1'],
      ['Enable JIT', 'jit_enable_vm', 'spare-1'],
    ]);

    // A forged click by someone else: the button was never theirs.
    const refused = await clickHome(e2e, 'UPLAIN', home, 'jit_enable_vm', { wait: 'dm' });
    expect(refused.args.text).toMatch(/^Only admins can enable JIT/);
    expect(e2e.backend.protectedPorts.map((p) => p.vmName)).not.toContain('spare-1');

    const told = await clickHome(e2e, 'UADMIN', home, 'jit_enable_vm', { wait: 'dm' });

    expect(told.args.text).toMatch(
      /^JIT is on for \*spare-1\* \(Linux defaults: the backend does not say which OS it runs; add `windows` for RDP and WinRM\): 22\/TCP from any source, up to 3h/,
    );
    expect(e2e.backend.protectedPorts.map((p) => `${p.vmName}:${p.port}/${p.protocol}`)).toContain('spare-1:22/TCP');
    const after = await e2e.fake.waitFor(
      (c) => c.method === 'views.publish' && c.args.user_id === 'UADMIN' && JSON.stringify(c.args).includes('Configured VMs (3)'),
    );
    expect(homeButtons(after)).toContainEqual(['Edit', 'jit_edit_vm_open', 'spare-1']);
  });

  it('home_whenTheBackendCannotList_stillRenders_namingTheBackend', async () => {
    e2e = await startE2E();
    e2e.backend.failNext('inventory', 'ARM answered 403 AuthorizationFailed');
    const home = await openHome(e2e, 'UHOME');
    expect(home.response.ok).toBe(true);
    expect(homeText(home)).toContain('Could not list the VMs of backend `memory`: ARM answered 403 AuthorizationFailed');
    expect(homeHeaders(home)).toContain('Configured VMs (2)');
  });
});
