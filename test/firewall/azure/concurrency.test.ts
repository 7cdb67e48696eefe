// Priority allocation under contention: twenty grants at once on one NSG, from
// one backend, from two backends (two bot processes), and from twenty. ARM's
// own rules in the fake (ETags, one priority per direction) are the referee.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AzureNsgBackend } from '../../../src/firewall/azure/index.js';
import { DEFAULT_BANDS } from '../../../src/firewall/azure/index.js';
import type { GrantSpec } from '../../../src/ports/firewall.js';
import { FakeArm } from '../../support/fake-arm.js';
import { addVm, backendFor, grantFor, protectedPorts, RDP, SSH, type TestVm } from './harness.js';

const GRANTS = 20;
let fake: FakeArm;
let vm: TestVm;
let counter = 0;

beforeAll(async () => {
  fake = await FakeArm.start();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  counter += 1;
  vm = addVm(fake, `bastion-${counter}`, `10.3.0.${counter}`);
});

const grants = (): GrantSpec[] =>
  Array.from({ length: GRANTS }, (_, i) => grantFor(vm, `g${counter}x${String(i).padStart(2, '0')}`, [SSH, RDP], `198.51.100.${i + 1}/32`));

/** Every grant's rules are there, on distinct priorities, each below the deny rule of its port. */
function expectAllPlaced(list: GrantSpec[]): void {
  const rules = fake.world.rules(vm.nicNsgId!);
  const priorities = rules.filter((r) => r.properties.direction === 'Inbound').map((r) => r.properties.priority);
  expect(new Set(priorities).size).toBe(priorities.length);
  const denyPriority = (port: number) => rules.find((r) => r.name === `jit-deny-${vm.privateIp}-${port}-tcp`)!.properties.priority;
  for (const grant of list) {
    for (const port of grant.ports) {
      const allow = rules.find((r) => r.name === `jit-allow-${grant.requestId}-${port.number}-tcp`);
      expect(allow, `${grant.requestId}/${port.number}`).toBeDefined();
      expect(allow!.properties.sourceAddressPrefix).toBe(grant.source);
      expect(allow!.properties.priority).toBeGreaterThanOrEqual(DEFAULT_BANDS.allow.min);
      expect(allow!.properties.priority).toBeLessThan(denyPriority(port.number));
    }
  }
  expect(rules.filter((r) => r.name.startsWith('jit-allow-'))).toHaveLength(list.length * 2);
}

async function openAll(backends: AzureNsgBackend[], list: GrantSpec[]): Promise<void> {
  const results = await Promise.allSettled(list.map((grant, i) => backends[i % backends.length]!.open(grant)));
  expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
}

describe(`${GRANTS} concurrent grants on one NSG`, () => {
  it('oneBackend_allSucceed_onDistinctPrioritiesBelowTheirDenyRules', async () => {
    const backend = backendFor(fake);
    await backend.protect(protectedPorts(vm, [SSH, RDP]));
    const list = grants();
    await openAll([backend], list);
    expectAllPlaced(list);
    // Batched: far fewer NSG writes than grants.
    expect(fake.writes(new RegExp(`${vm.name}-nsg$`)).length).toBeLessThan(GRANTS / 2);
  });

  it('twoBackends_likeTwoBotProcesses_neverCollide', async () => {
    const [a, b] = [backendFor(fake), backendFor(fake)];
    await a.protect(protectedPorts(vm, [SSH, RDP]));
    await b.protect(protectedPorts(vm, [SSH, RDP]));
    const list = grants();
    await openAll([a, b], list);
    expectAllPlaced(list);
  });

  it('twentyBackends_oneGrantEach_raceOnTheEtag_andAllLand', async () => {
    await backendFor(fake).protect(protectedPorts(vm, [SSH, RDP]));
    const backends = Array.from({ length: GRANTS }, () => backendFor(fake));
    const from = fake.requests.length;
    const list = grants();
    await openAll(backends, list);
    expectAllPlaced(list);
    const puts = fake.requests.slice(from).filter((r) => r.method === 'PUT');
    expect(puts.filter((r) => r.status === 412).length).toBeGreaterThan(0);
    expect(puts.filter((r) => r.status < 300)).toHaveLength(GRANTS);
  });

  it('opensAndClosesInterleaved_acrossTwoBackends_leaveExactlyTheOpenOnes', async () => {
    const [a, b] = [backendFor(fake), backendFor(fake)];
    await a.protect(protectedPorts(vm, [SSH, RDP]));
    const list = grants();
    await openAll([a, b], list.slice(0, 10));
    const closing = list.slice(0, 10).map((grant, i) => (i % 2 ? a : b).close(grant));
    const opening = list.slice(10).map((grant, i) => (i % 2 ? b : a).open(grant));
    await Promise.all([...closing, ...opening]);
    expectAllPlaced(list.slice(10));
  });
});
