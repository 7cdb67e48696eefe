// Extending a grant on the Azure NSG backend, against the fake ARM. NSG allow
// rules have no expiry: the bot's close removes them. Extending rewrites each
// rule's description to the new end, in place, and proves the rules are there.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeArm } from '../../support/fake-arm.js';
import { addVm, backendFor, grantFor, protectedPorts, RDP, ruleNames, SSH, type TestVm } from './harness.js';

let fake: FakeArm;
let counter = 0;
let vm: TestVm;

beforeAll(async () => {
  fake = await FakeArm.start();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  counter += 1;
  vm = addVm(fake, `ext-${counter}`, `10.1.0.${counter + 3}`);
});

const rule = (name: string) => fake.world.rules(vm.nicNsgId!).find((r) => r.name === name)?.properties;

describe('AzureNsgBackend.extend', () => {
  it('extend_openGrant_rewritesEachRulesDescriptionToTheNewEnd_atItsPriority', async () => {
    const backend = backendFor(fake);
    await backend.protect(protectedPorts(vm, [SSH, RDP]));
    const spec = grantFor(vm, 'ext234', [SSH, RDP]);
    await backend.open(spec);
    const before = [22, 3389].map((port) => rule(`jit-allow-ext234-${port}-tcp`)!);
    expect(before[0]!.description).toContain('until 2026-11-28T12:00:00.000Z');

    const writes = fake.writes().length;
    await backend.extend({ ...spec, endAt: Date.UTC(2026, 10, 28, 14, 0, 0) });

    expect(fake.writes().length).toBe(writes + 1);
    for (const [i, port] of [22, 3389].entries()) {
      const after = rule(`jit-allow-ext234-${port}-tcp`)!;
      expect(after.description).toBe(`jit-access-bot grant ext234 for ${vm.name} until 2026-11-28T14:00:00.000Z`);
      expect(after).toMatchObject({
        priority: before[i]!.priority,
        access: 'Allow',
        sourceAddressPrefix: '198.51.100.7/32',
        destinationAddressPrefix: vm.privateIp,
      });
    }
  });

  it('extend_toTheEndItAlreadyHas_writesNothing', async () => {
    const backend = backendFor(fake);
    const spec = grantFor(vm, 'same234', [SSH]);
    await backend.open(spec);
    const writes = fake.writes().length;
    await backend.extend(spec);
    expect(fake.writes().length).toBe(writes);
  });

  it('extend_grantNotOpen_rejectsAndCreatesNothing', async () => {
    const backend = backendFor(fake);
    const spec = grantFor(vm, 'gone234', [SSH]);
    await backend.open(spec);
    await backend.close(spec);
    await expect(backend.extend({ ...spec, endAt: spec.endAt + 3_600_000 })).rejects.toThrow(
      /could not extend request gone234 on ext-\d+: jit-allow-gone234-22-tcp not found: the grant is not open, so there is nothing to extend/,
    );
    expect(ruleNames(fake, vm.nicNsgId!)).toEqual([]);
  });

  it('extend_onePortOfTheGrantMissing_changesNoRule', async () => {
    const backend = backendFor(fake);
    const spec = grantFor(vm, 'half234', [SSH, RDP]);
    await backend.open(spec);
    await backend.close(grantFor(vm, 'half234', []));
    await backend.open(grantFor(vm, 'half234', [SSH]));
    const before = rule('jit-allow-half234-22-tcp')!.description;
    await expect(backend.extend({ ...spec, endAt: spec.endAt + 3_600_000 })).rejects.toThrow(/jit-allow-half234-3389-tcp not found/);
    expect(rule('jit-allow-half234-22-tcp')!.description).toBe(before);
    expect(ruleNames(fake, vm.nicNsgId!)).toEqual(['jit-allow-half234-22-tcp']);
  });
});
