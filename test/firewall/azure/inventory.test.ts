// The backend's inventory against the fake ARM: what it lists, the verdict it
// gives each VM, paging, caching and failure.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeenVm } from '../../../src/ports/firewall.js';
import { FakeArm } from '../../support/fake-arm.js';
import { FakeClock } from '../../support/fake-clock.js';
import { addVm, backendFor, protectedPorts, SSH } from './harness.js';

let fake: FakeArm;

beforeAll(async () => {
  fake = await FakeArm.start({ pageSize: 40 });
});
afterAll(async () => {
  await fake.close();
});

/** A subscription of its own per test, so each sees only its VMs. */
function subscription(): string {
  return randomUUID();
}

const byName = (vms: SeenVm[]) => Object.fromEntries(vms.map((vm) => [vm.name, vm.support === 'supported' ? 'supported' : vm.reason]));
const listRequests = (sub: string) => fake.requests.filter((r) => r.method === 'GET' && r.path.toLowerCase().startsWith(`/subscriptions/${sub}/providers/`));

describe('inventory', () => {
  it('inventory_listsEveryVmInTheProtectedSubscriptions_withTheNicScopeVerdict', async () => {
    const sub = subscription();
    const guarded = addVm(fake, 'guarded', '10.0.0.4', { subscriptionId: sub });
    addVm(fake, 'other', '10.0.0.5', { subscriptionId: sub });
    addVm(fake, 'bare', '10.0.0.6', { subscriptionId: sub, nicNsg: null });
    addVm(fake, 'subnet-only', '10.0.1.4', { subscriptionId: sub, nicNsg: null, subnet: 'apps', subnetNsg: 'apps-nsg' });
    addVm(fake, 'flex', '10.0.0.7', { subscriptionId: sub, scaleSetNics: true });
    addVm(fake, 'elsewhere', '10.0.0.8', { subscriptionId: subscription() });
    const backend = backendFor(fake);
    await backend.protect(protectedPorts(guarded, [SSH]));

    const seen = await backend.inventory();

    expect(seen.find((vm) => vm.name === 'guarded')?.id).toBe(guarded.vmId);
    expect(byName(seen)).toEqual({
      guarded: 'supported',
      other: 'supported',
      bare: 'no network security group guards it: neither its network interface bare-nic nor its subnet vnet-jit/default has one',
      'subnet-only':
        'no network security group on its network interface subnet-only-nic; its subnet vnet-jit/apps has one (JIT_AZURE_NSG_SCOPE=subnet would use it)',
      flex: 'its network interfaces are defined by a scale set (networkInterfaceConfigurations), which this backend does not support',
    });
  });

  it('inventory_withSubnetScope_judgesBySubnetNsg', async () => {
    const sub = subscription();
    const inSubnet = addVm(fake, 'app', '10.1.0.4', { subscriptionId: sub, nicNsg: null, subnet: 'apps', subnetNsg: 'apps-nsg' });
    addVm(fake, 'nic-only', '10.1.9.4', { subscriptionId: sub, subnet: 'plain' });
    const backend = backendFor(fake, { nsgScope: 'subnet' });
    await backend.protect(protectedPorts(inSubnet, [SSH]));

    expect(byName(await backend.inventory())).toEqual({
      app: 'supported',
      'nic-only': 'no network security group on its subnet vnet-jit/plain; its network interface nic-only-nic has one (JIT_AZURE_NSG_SCOPE=nic would use it)',
    });
  });

  it('inventory_followsNextLink_throughEveryPage', async () => {
    const sub = subscription();
    const first = addVm(fake, 'vm-000', '10.2.0.1', { subscriptionId: sub });
    for (let i = 1; i < 130; i++)
      addVm(fake, `vm-${String(i).padStart(3, '0')}`, `10.2.${Math.floor(i / 200)}.${(i % 200) + 1}`, { subscriptionId: sub, nicNsg: 'shared-nsg' });
    const backend = backendFor(fake);
    await backend.protect(protectedPorts(first, [SSH]));

    const seen = await backend.inventory();

    expect(seen).toHaveLength(130);
    expect(seen.every((vm) => vm.support === 'supported')).toBe(true);
    // 130 VMs and 130 NICs at 40 a page: four pages each, the later ones through nextLink.
    expect(listRequests(sub).filter((r) => /Microsoft\.Compute\/virtualMachines$/i.test(r.path))).toHaveLength(4);
  });

  it('inventory_withNothingProtected_listsNothing_andAsksAzureNothing', async () => {
    const before = fake.requests.length;
    expect(await backendFor(fake).inventory()).toEqual([]);
    expect(fake.requests.length).toBe(before);
  });

  it('inventory_isReusedForTheCacheTime_thenReadAgain', async () => {
    const sub = subscription();
    const vm = addVm(fake, 'cached', '10.3.0.4', { subscriptionId: sub });
    const clock = new FakeClock();
    const backend = backendFor(fake, { clock, resolveCacheMs: 60_000 });
    await backend.protect(protectedPorts(vm, [SSH]));
    await backend.inventory();
    const lists = listRequests(sub).length;

    addVm(fake, 'late', '10.3.0.5', { subscriptionId: sub });
    expect((await backend.inventory()).map((v) => v.name)).toEqual(['cached']);
    expect(listRequests(sub).length).toBe(lists);

    clock.advance(60_000);
    expect((await backend.inventory()).map((v) => v.name).sort()).toEqual(['cached', 'late']);
  });

  it('inventory_whenAzureRefuses_rejectsNamingTheSubscription_andRetriesNextTime', async () => {
    const sub = subscription();
    const vm = addVm(fake, 'refused', '10.4.0.4', { subscriptionId: sub });
    const backend = backendFor(fake);
    await backend.protect(protectedPorts(vm, [SSH]));
    fake.failNext({
      status: 403,
      code: 'AuthorizationFailed',
      message: 'The client does not have authorization to perform action Microsoft.Network/networkInterfaces/read.',
      path: /networkInterfaces$/i,
    });

    await expect(backend.inventory()).rejects.toThrow(
      new RegExp(`listing the network interfaces of subscription ${sub} failed: HTTP 403 AuthorizationFailed`, 'i'),
    );
    expect(byName(await backend.inventory())).toEqual({ refused: 'supported' });
  });
});
