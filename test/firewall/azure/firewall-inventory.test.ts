// What the Azure backends see, with each VM's guard: azure-firewall marks VMs
// `firewall`, or `both` where an NSG in scope guards them too; behind a
// Firewall Manager firewall every VM is unsupported with that reason; azure-nsg
// marks its VMs `nsg`; classic VMs are unsupported with Azure's reason, and a
// subscription without the classic provider simply has none.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeenVm } from '../../../src/ports/firewall.js';
import type { FakeArm } from '../../support/fake-arm.js';
import type { FakeArmFirewall } from '../../support/fake-arm-firewall.js';
import { firewallBackendFor, startFirewallFake } from './firewall-harness.js';
import { addVm, backendFor, protectedPorts, SSH } from './harness.js';

let fake: FakeArm;
let provider: FakeArmFirewall;
let counter = 0;

beforeAll(async () => {
  ({ fake, firewall: provider } = await startFirewallFake({ pageSize: 2 }));
});
afterAll(async () => {
  await fake.close();
});

const verdicts = (vms: SeenVm[]) =>
  Object.fromEntries(vms.map((vm) => [vm.name, vm.support === 'supported' ? `supported by ${vm.guard}` : `unsupported: ${vm.reason}`]));
const CLASSIC =
  'unsupported: it is a classic VM (Azure Service Manager): just-in-time access supports only VMs deployed through Azure Resource Manager; migrate it to Resource Manager';

describe('inventory', () => {
  it('azureFirewall_marksVmsFirewallOrBoth_andClassicVmsUnsupported', async () => {
    const sub = randomUUID();
    counter += 1;
    const fw = provider.addFirewall({ name: `fwi-${counter}` });
    const bare = addVm(fake, 'bare', '10.0.0.4', { subscriptionId: sub, nicNsg: null });
    addVm(fake, 'guarded', '10.0.0.5', { subscriptionId: sub });
    addVm(fake, 'flex', '10.0.0.6', { subscriptionId: sub, scaleSetNics: true });
    for (let i = 0; i < 3; i++) provider.addClassicVm(sub, `old-${i}`);
    const backend = firewallBackendFor(fake, fw.firewallId);
    await backend.protect(protectedPorts(bare, [SSH]));

    expect(verdicts(await backend.inventory())).toEqual({
      bare: 'supported by firewall',
      guarded: 'supported by both',
      flex: 'unsupported: its network interfaces are defined by a scale set (networkInterfaceConfigurations), which this backend does not support',
      'old-0': CLASSIC,
      'old-1': CLASSIC,
      'old-2': CLASSIC,
    });
  });

  it('azureFirewall_behindFirewallManager_marksEveryVmUnsupported_withTheReason', async () => {
    const sub = randomUUID();
    counter += 1;
    const hub = provider.addFirewall({ name: `hubi-${counter}`, inVirtualHub: true });
    const vm = addVm(fake, 'spoke-vm', '10.1.0.4', { subscriptionId: sub, nicNsg: null });
    addVm(fake, 'spoke-nsg', '10.1.0.5', { subscriptionId: sub });
    const backend = firewallBackendFor(fake, hub.firewallId);
    await expect(backend.protect(protectedPorts(vm, [SSH]))).rejects.toThrow(/Azure Firewall Manager/);

    const seen = await backend.inventory();
    expect(seen.map((v) => v.name).sort()).toEqual(['spoke-nsg', 'spoke-vm']);
    for (const v of seen)
      expect(v).toMatchObject({ support: 'unsupported', reason: expect.stringMatching(/secured virtual hub and managed by Azure Firewall Manager/) });
  });

  it('azureNsg_marksItsVmsNsg_andListsClassicVmsUnsupported', async () => {
    const sub = randomUUID();
    const vm = addVm(fake, 'web', '10.2.0.4', { subscriptionId: sub });
    addVm(fake, 'bare', '10.2.0.5', { subscriptionId: sub, nicNsg: null });
    provider.addClassicVm(sub, 'legacy');
    const backend = backendFor(fake);
    await backend.protect(protectedPorts(vm, [SSH]));

    expect(verdicts(await backend.inventory())).toEqual({
      web: 'supported by nsg',
      bare: 'unsupported: no network security group guards it: neither its network interface bare-nic nor its subnet vnet-jit/default has one',
      legacy: CLASSIC,
    });
  });

  it('aSubscriptionWithoutTheClassicProvider_hasNoClassicVms_andNoError', async () => {
    const sub = randomUUID();
    const vm = addVm(fake, 'modern', '10.3.0.4', { subscriptionId: sub });
    const backend = backendFor(fake);
    await backend.protect(protectedPorts(vm, [SSH]));
    expect(verdicts(await backend.inventory())).toEqual({ modern: 'supported by nsg' });
    const classic = fake.requests.filter((r) => r.path.toLowerCase() === `/subscriptions/${sub}/providers/microsoft.classiccompute/virtualmachines`);
    expect(classic.map((r) => r.status)).toEqual([404]);
  });

  it('aClassicListingTheIdentityMayNotRead_showsNoClassicVms_andTheRestOfTheInventory', async () => {
    // The least-privilege role has no Microsoft.ClassicCompute read: the Home must not lose its whole inventory for it.
    const sub = randomUUID();
    const vm = addVm(fake, 'denied', '10.4.0.4', { subscriptionId: sub });
    const backend = backendFor(fake);
    await backend.protect(protectedPorts(vm, [SSH]));
    fake.failNext({ path: /ClassicCompute/, status: 403, code: 'AuthorizationFailed', message: 'No read access to Microsoft.ClassicCompute.' });
    expect(verdicts(await backend.inventory())).toEqual({ denied: 'supported by nsg' });
  });

  it('aClassicListingThatFailsOtherwise_failsTheInventory_namingTheSubscription', async () => {
    const sub = randomUUID();
    const vm = addVm(fake, 'broken', '10.5.0.4', { subscriptionId: sub });
    const backend = backendFor(fake);
    await backend.protect(protectedPorts(vm, [SSH]));
    fake.failNext({ path: /ClassicCompute/, status: 500, code: 'InternalServerError', message: 'Boom.', times: 10 });
    await expect(backend.inventory()).rejects.toThrow(new RegExp(`classic virtual machines of subscription ${sub} failed: HTTP 500`));
  }, 30_000);
});
