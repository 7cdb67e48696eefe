// The App Home's use cases over a real store: the inventory (fail soft), who
// sees which requests waiting for approval, and who is an admin.

import { afterEach, describe, expect, it } from 'vitest';
import type { AccessRequest } from '../../src/domain/types.js';
import type { FirewallBackend } from '../../src/ports/firewall.js';
import { MemoryBackend } from '../../src/ports/memory-firewall.js';
import { BackendRegistry } from '../../src/workflow/backends.js';
import { readInventory } from '../../src/workflow/inventory.js';
import { createHarness, policyOf, vm, type Harness } from '../support/workflow-harness.js';

let h: Harness;
afterEach(() => h?.cleanup());

async function pending(harness: Harness, overrides = {}): Promise<AccessRequest> {
  const result = await harness.workflow.request(harness.input(overrides));
  if (!result.ok || result.request.state !== 'pending') throw new Error(JSON.stringify(result));
  return result.request;
}

describe('inventory', () => {
  it('inventory_countsWhatTheStoreHolds_perConfiguredVm', async () => {
    h = createHarness({ policy: policyOf({ vms: [vm('web-1'), vm('db-1')] }) });
    const first = await pending(h, { requester: 'UREQ' });
    await h.workflow.approve(first.id, 'UAPPROVER1');
    h.clock.advance(60_000);
    const second = await pending(h, { requester: 'UOTHER', vm: 'web-1' });
    await h.workflow.approve(second.id, 'UAPPROVER2');
    await h.workflow.revoke(second.id, 'UOTHER');
    await pending(h, { vm: 'db-1' });

    const { configured } = await h.workflow.inventory();

    expect(configured.map((v) => [v.name, v.approvedRecently, v.lastAccess?.user, v.activeGrants.map((g) => g.id)])).toEqual([
      ['web-1', 2, 'UOTHER', [first.id]],
      ['db-1', 0, undefined, []],
    ]);
  });

  it('inventory_sortsWhatTheBackendSeesIntoNotConfiguredAndUnsupported', async () => {
    h = createHarness();
    h.backend.seen = [
      { id: vm('web-1').id, name: 'web-1', support: 'supported' },
      { id: 'spare', name: 'spare', support: 'supported' },
      { id: 'old', name: 'old', support: 'unsupported', reason: 'no NSG' },
    ];
    const inventory = await h.workflow.inventory();
    expect([inventory.configured.map((v) => v.name), inventory.notConfigured.map((v) => v.name), inventory.unsupported.map((v) => v.reason)]).toEqual([
      ['web-1'],
      ['spare'],
      ['no NSG'],
    ]);
  });

  it('inventory_aBackendThatFails_isOneLine_andTheRestIsStillShown', async () => {
    h = createHarness();
    h.backend.failNext('inventory', 'ARM said 403');
    const inventory = await h.workflow.inventory();
    expect(inventory.failures).toEqual([{ backend: 'memory', error: 'ARM said 403' }]);
    expect(inventory.configured.map((v) => v.name)).toEqual(['web-1']);
  });

  it('inventory_aBackendThatNeverAnswers_isReportedAsNotAnswering', async () => {
    h = createHarness();
    const silent: FirewallBackend = Object.assign(new MemoryBackend('silent'), { inventory: () => new Promise<never>(() => undefined) });
    const ctx = { ...h.ctx, backends: new BackendRegistry([h.backend, silent], 'memory') };
    const inventory = await readInventory(ctx, 20);
    expect(inventory.failures).toEqual([{ backend: 'silent', error: 'it did not answer within 20 ms' }]);
  });

  it('inventory_aBackendWithoutInventory_addsNothing_andIsNoFailure', async () => {
    h = createHarness();
    const blind: FirewallBackend = Object.assign(new MemoryBackend('blind'), { inventory: undefined });
    const ctx = { ...h.ctx, backends: new BackendRegistry([blind], 'blind') };
    const inventory = await readInventory(ctx);
    expect([inventory.configured.map((v) => v.backend), inventory.failures]).toEqual([['blind'], []]);
  });

  it('inventory_withAGlob_keepsMatchingNamesOnly', async () => {
    h = createHarness({ policy: policyOf({ vms: [vm('web-1'), vm('db-1')] }) });
    expect((await h.workflow.inventory('DB*')).configured.map((v) => v.name)).toEqual(['db-1']);
  });
});

describe('home', () => {
  it('home_showsTheUsersOwnOpenRequests_andNobodyElses', async () => {
    h = createHarness();
    const mine = await pending(h, { requester: 'UREQ' });
    await pending(h, { requester: 'UOTHER' });
    expect((await h.workflow.home('UREQ')).mine.map((r) => r.id)).toEqual([mine.id]);
  });

  it('home_waitingForApproval_listsWhatTheUserMayApprove_throughGroupsToo', async () => {
    h = createHarness({ policy: policyOf({ approvers: ['SOPS'] }), groups: { SOPS: ['UOPS1', 'UREQ'] } });
    const request = await pending(h, { requester: 'UREQ' });
    expect((await h.workflow.home('UOPS1')).awaiting.map((r) => r.id)).toEqual([request.id]);
    expect((await h.workflow.home('UREQ')).awaiting).toEqual([]);
    expect((await h.workflow.home('UNOBODY')).awaiting).toEqual([]);
  });

  it('home_waitingForApproval_dropsWhatTheUserAlreadyApproved_andAllWhenTheyLeaveThePolicy', async () => {
    h = createHarness({ policy: policyOf({ rules: [{ name: 'two', match: {}, effect: 'require_approval', approvals: 2 }] }) });
    const request = await pending(h);
    await h.workflow.approve(request.id, 'UAPPROVER1');
    expect((await h.workflow.home('UAPPROVER1')).awaiting).toEqual([]);
    expect((await h.workflow.home('UAPPROVER2')).awaiting.map((r) => r.id)).toEqual([request.id]);
    h.setPolicy(policyOf({ approvers: ['UAPPROVER1'], rules: [{ name: 'two', match: {}, effect: 'require_approval', approvals: 2 }] }));
    expect((await h.workflow.home('UAPPROVER2')).awaiting).toEqual([]);
  });

  it('isAdmin_namedByJitAdmins_orThePolicyDirectly_orThroughAGroup', async () => {
    h = createHarness({ policy: policyOf({ admins: ['UPOLICYADMIN', 'SADMINS'] }), groups: { SADMINS: ['UGROUPADMIN'] } });
    h.ctx.settings.admins = ['UENVADMIN'];
    const verdicts = await Promise.all(['UENVADMIN', 'UPOLICYADMIN', 'UGROUPADMIN', 'UAPPROVER1', ''].map((user) => h.workflow.isAdmin(user)));
    expect(verdicts).toEqual([true, true, true, false, false]);
    expect((await h.workflow.home('UGROUPADMIN')).isAdmin).toBe(true);
  });
});
