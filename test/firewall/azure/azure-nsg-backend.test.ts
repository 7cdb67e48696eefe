// The backend against the fake ARM: what it writes into NSGs and what it reads back.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isJitError } from '../../../src/domain/errors.js';
import { DEFAULT_BANDS } from '../../../src/firewall/azure/index.js';
import { FakeArm } from '../../support/fake-arm.js';
import { FakeClock } from '../../support/fake-clock.js';
import { addVm, backendFor, grantFor, protectedPorts, RDP, recordingLogger, ruleNames, SSH, type TestVm } from './harness.js';

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
  vm = addVm(fake, `web-${counter}`, `10.0.0.${counter + 3}`);
});

const rule = (nsgId: string, name: string) => fake.world.rules(nsgId).find((r) => r.name === name)?.properties;

describe('protect', () => {
  it('protect_createsADenyRulePerPort_toThePrivateIp_fromAnySource_inTheDenyBand', async () => {
    await backendFor(fake).protect(protectedPorts(vm, [SSH, RDP]));
    const ssh = rule(vm.nicNsgId!, `jit-deny-${vm.privateIp}-22-tcp`);
    expect(ssh).toMatchObject({
      access: 'Deny',
      direction: 'Inbound',
      protocol: 'Tcp',
      destinationPortRange: '22',
      sourceAddressPrefix: '*',
      destinationAddressPrefix: vm.privateIp,
    });
    expect(ssh!.priority).toBeGreaterThanOrEqual(DEFAULT_BANDS.deny.min);
    expect(rule(vm.nicNsgId!, `jit-deny-${vm.privateIp}-3389-tcp`)?.priority).toBeLessThanOrEqual(DEFAULT_BANDS.deny.max);
  });

  it('protect_whenNothingChanged_writesNothing', async () => {
    const backend = backendFor(fake);
    await backend.protect(protectedPorts(vm, [SSH]));
    const writes = fake.writes().length;
    await backend.protect(protectedPorts(vm, [SSH]));
    expect(fake.writes().length).toBe(writes);
  });

  it('protect_removesOurDenyRulesNoLongerConfigured_andNeverTouchesOtherRules', async () => {
    fake.world.addRuleByHand(vm.nicNsgId!, {
      name: 'allow-https',
      priority: DEFAULT_BANDS.deny.min,
      direction: 'Inbound',
      access: 'Allow',
      protocol: 'Tcp',
      destinationPortRange: '443',
      sourceAddressPrefix: '*',
      destinationAddressPrefix: '*',
    });
    fake.world.addRuleByHand(vm.nicNsgId!, {
      name: 'SecurityCenter-JITRule_1_abc',
      priority: 4000,
      direction: 'Inbound',
      access: 'Deny',
      protocol: '*',
      destinationPortRange: '22',
      sourceAddressPrefix: '*',
      destinationAddressPrefix: vm.privateIp,
    });
    const backend = backendFor(fake);
    await backend.protect(protectedPorts(vm, [SSH, RDP]));
    await backend.open(grantFor(vm, `keep${counter}`, [RDP]));
    await backend.protect(protectedPorts(vm, [SSH]));
    expect(ruleNames(fake, vm.nicNsgId!)).toEqual(
      ['SecurityCenter-JITRule_1_abc', 'allow-https', `jit-allow-keep${counter}-3389-tcp`, `jit-deny-${vm.privateIp}-22-tcp`].sort(),
    );
    expect(rule(vm.nicNsgId!, 'allow-https')?.priority).toBe(DEFAULT_BANDS.deny.min);
    await backend.protect([]);
    expect(ruleNames(fake, vm.nicNsgId!)).toEqual(['SecurityCenter-JITRule_1_abc', 'allow-https', `jit-allow-keep${counter}-3389-tcp`].sort());
  });

  it('protect_warnsAboutEarlierAllowRulesThatKeepThePortOpen', async () => {
    fake.world.addRuleByHand(vm.nicNsgId!, {
      name: 'ssh-from-anywhere',
      priority: 300,
      direction: 'Inbound',
      access: 'Allow',
      protocol: 'Tcp',
      destinationPortRange: '22',
      sourceAddressPrefix: '*',
      destinationAddressPrefix: '*',
    });
    const logger = recordingLogger();
    await backendFor(fake, { logger }).protect(protectedPorts(vm, [SSH]));
    expect(logger.lines.filter((l) => l.startsWith('warn'))).toEqual([
      expect.stringMatching(/ssh-from-anywhere \(priority 300\) allow Tcp 22 .* JIT cannot keep that port closed/),
    ]);
  });

  it('protect_withSubnetScope_writesIntoTheSubnetsNsg', async () => {
    const inSubnet = addVm(fake, `app-${counter}`, `10.1.0.${counter}`, { subnet: `sub-${counter}`, subnetNsg: `sub-${counter}-nsg`, nicNsg: null });
    await backendFor(fake, { nsgScope: 'subnet' }).protect(protectedPorts(inSubnet, [SSH]));
    expect(ruleNames(fake, inSubnet.subnetNsgId!)).toEqual([`jit-deny-${inSubnet.privateIp}-22-tcp`]);
  });

  it('protect_whenTheNicHasNoNsg_failsSayingWhatToDo_butStillProtectsTheOthers', async () => {
    const bare = addVm(fake, `bare-${counter}`, '10.0.9.9', { nicNsg: null });
    const error = await backendFor(fake)
      .protect([...protectedPorts(bare, [SSH]), ...protectedPorts(vm, [SSH])])
      .catch((e: unknown) => e);
    expect(isJitError(error, 'jit_backend_failed')).toBe(true);
    expect((error as Error).message).toMatch(
      /network interface bare-\d+-nic of VM bare-\d+ has no network security group: associate one with the NIC .* or set nsgScope 'subnet'/,
    );
    expect(ruleNames(fake, vm.nicNsgId!)).toEqual([`jit-deny-${vm.privateIp}-22-tcp`]);
  });

  it('protect_whileAVmCannotBeResolved_removesNoDenyRule_failClosed', async () => {
    const backend = backendFor(fake);
    await backend.protect(protectedPorts(vm, [SSH, RDP]));
    const bare = addVm(fake, `bare2-${counter}`, '10.0.9.8', { nicNsg: null });
    await expect(backend.protect([...protectedPorts(vm, [SSH]), ...protectedPorts(bare, [SSH])])).rejects.toThrow(/could not protect every port: VM bare2-\d+/);
    expect(ruleNames(fake, vm.nicNsgId!)).toEqual([`jit-deny-${vm.privateIp}-22-tcp`, `jit-deny-${vm.privateIp}-3389-tcp`]);
    await backend.protect(protectedPorts(vm, [SSH]));
    expect(ruleNames(fake, vm.nicNsgId!)).toEqual([`jit-deny-${vm.privateIp}-22-tcp`]);
  });

  it('protect_takesTheSubscriptionFromEachVmId', async () => {
    const elsewhere = addVm(fake, `other-sub-${counter}`, '10.5.0.4', { subscriptionId: '11111111-2222-3333-4444-555555555555', resourceGroup: 'rg-other' });
    await backendFor(fake).protect([...protectedPorts(vm, [SSH]), ...protectedPorts(elsewhere, [SSH])]);
    expect(elsewhere.nicNsgId).toContain('/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-other/');
    expect(ruleNames(fake, elsewhere.nicNsgId!)).toEqual(['jit-deny-10.5.0.4-22-tcp']);
  });

  it('resolution_isCachedBriefly_thenReadAgain', async () => {
    const clock = new FakeClock();
    const backend = backendFor(fake, { clock, resolveCacheMs: 60_000 });
    const vmReads = () => fake.requests.filter((r) => r.method === 'GET' && r.path === vm.vmId).length;
    await Promise.all([backend.open(grantFor(vm, 'one234', [SSH])), backend.open(grantFor(vm, 'two234', [SSH]))]);
    await backend.close(grantFor(vm, 'one234', [SSH]));
    expect(vmReads()).toBe(1);
    clock.advance(60_001);
    await backend.close(grantFor(vm, 'two234', [SSH]));
    expect(vmReads()).toBe(2);
  });

  it('protect_whenTheSubnetHasNoNsg_failsSayingWhatToDo', async () => {
    await expect(backendFor(fake, { nsgScope: 'subnet' }).protect(protectedPorts(vm, [SSH]))).rejects.toThrow(
      /subnet vnet-jit\/default of VM web-\d+ has no network security group: associate one with the subnet/,
    );
  });

  it('protect_whenAVmIdIsNotAnAzureVmId_failsSayingSo', async () => {
    const ports = [{ vmId: 'gateway-1', vmName: 'gateway-1', address: '192.0.2.1', port: 22, protocol: 'TCP' as const }];
    await expect(backendFor(fake).protect(ports)).rejects.toThrow(
      /`gateway-1` is not an Azure VM resource id \(expected \/subscriptions\/<subscription>\/resourceGroups\/<group>\/providers\/Microsoft.Compute\/virtualMachines\/<name>\)/,
    );
  });
});

describe('open and close', () => {
  it('open_addsAnAllowRulePerPort_belowItsDenyRule', async () => {
    const backend = backendFor(fake);
    await backend.protect(protectedPorts(vm, [SSH, RDP]));
    await backend.open(grantFor(vm, 'abc234', [SSH, RDP], '203.0.113.0/24'));
    for (const port of [22, 3389]) {
      const allow = rule(vm.nicNsgId!, `jit-allow-abc234-${port}-tcp`)!;
      const deny = rule(vm.nicNsgId!, `jit-deny-${vm.privateIp}-${port}-tcp`)!;
      expect(allow).toMatchObject({
        access: 'Allow',
        direction: 'Inbound',
        protocol: 'Tcp',
        destinationPortRange: String(port),
        sourceAddressPrefix: '203.0.113.0/24',
        destinationAddressPrefix: vm.privateIp,
      });
      expect(allow.priority).toBeLessThan(deny.priority);
    }
  });

  it('open_withAnySourceAndAnyProtocol_writesStars', async () => {
    await backendFor(fake).open(grantFor(vm, 'any234', [{ number: 5986, protocol: '*' }], '*'));
    expect(rule(vm.nicNsgId!, 'jit-allow-any234-5986-any')).toMatchObject({ protocol: '*', sourceAddressPrefix: '*' });
  });

  it('open_isIdempotent_aSecondOpenWritesNothing', async () => {
    const backend = backendFor(fake);
    await backend.open(grantFor(vm, 'abc234', [SSH]));
    const writes = fake.writes().length;
    await backend.open(grantFor(vm, 'abc234', [SSH]));
    await backendFor(fake).open(grantFor(vm, 'abc234', [SSH]));
    expect(fake.writes().length).toBe(writes);
  });

  it('open_sendsIfMatchWithTheEtagItRead_onTheWriteOnly', async () => {
    const from = fake.requests.length;
    await backendFor(fake).open(grantFor(vm, 'abc234', [SSH]));
    const mine = fake.requests.slice(from);
    const put = mine.find((r) => r.method === 'PUT')!;
    expect(put.ifMatch).toMatch(/^W\/"[0-9a-f-]{36}"$/);
    expect(put.status).toBeLessThan(300);
    expect(mine.filter((r) => r.method === 'GET' && r.ifMatch !== undefined)).toEqual([]);
  });

  it('open_whenArmFailsTheOperation_rollsBackAndThrows', async () => {
    fake.failNextOperation('InternalServerError', 'Something went wrong.');
    const error = await backendFor(fake)
      .open(grantFor(vm, 'bad234', [SSH, RDP]))
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /could not open TCP 22, TCP 3389 on web-\d+ for request bad234: .*accepted the change .* did not confirm it: .*Something went wrong/,
    );
    expect(ruleNames(fake, vm.nicNsgId!)).toEqual([]);
  });

  it('open_whenOnePortHasNoFreePriority_opensNone', async () => {
    const tight = backendFor(fake, { bands: { allow: { min: 200, max: 201 }, deny: { min: 300, max: 310 } } });
    fake.world.addRuleByHand(vm.nicNsgId!, {
      name: 'occupant',
      priority: 200,
      direction: 'Inbound',
      access: 'Allow',
      protocol: 'Tcp',
      destinationPortRange: '80',
      sourceAddressPrefix: '*',
      destinationAddressPrefix: '*',
    });
    await expect(tight.open(grantFor(vm, 'two234', [SSH, RDP]))).rejects.toThrow(/no free priority left in 200–201/);
    expect(ruleNames(fake, vm.nicNsgId!)).toEqual(['occupant']);
  });

  it('close_deletesTheGrantsRules_andClosingAgainSucceeds', async () => {
    const backend = backendFor(fake);
    await backend.protect(protectedPorts(vm, [SSH, RDP]));
    await backend.open(grantFor(vm, 'abc234', [SSH, RDP]));
    await backend.open(grantFor(vm, 'def234', [SSH]));
    await backend.close(grantFor(vm, 'abc234', [SSH, RDP]));
    expect(ruleNames(fake, vm.nicNsgId!)).toEqual(['jit-allow-def234-22-tcp', `jit-deny-${vm.privateIp}-22-tcp`, `jit-deny-${vm.privateIp}-3389-tcp`]);
    const writes = fake.writes().length;
    await backend.close(grantFor(vm, 'abc234', [SSH, RDP]));
    expect(fake.writes().length).toBe(writes);
  });

  it('close_resolvesOnlyAfterArmReportsTheOperationSucceeded', async () => {
    const backend = backendFor(fake);
    await backend.open(grantFor(vm, 'abc234', [SSH]));
    await backend.close(grantFor(vm, 'abc234', [SSH]));
    expect(fake.world.nsg(vm.nicNsgId!)!.provisioningState).toBe('Succeeded');
    const polls = fake.requests.filter((r) => r.path.includes('/operations/'));
    expect(polls.at(-1)?.status).toBe(200);
  });

  it('close_whenTheVmWasDeleted_stillRemovesItsRulesFromKnownNsgs', async () => {
    const backend = backendFor(fake);
    await backend.open(grantFor(vm, 'gone234', [SSH]));
    fake.world.deleteVm(vm.vmId);
    await backend.close(grantFor(vm, 'gone234', [SSH]));
    expect(ruleNames(fake, vm.nicNsgId!)).toEqual([]);
  });

  it('open_whenTheVmDoesNotExist_saysSo', async () => {
    const missing = { ...vm, vmId: vm.vmId.replace(/web-\d+$/, 'nope') };
    await expect(backendFor(fake).open(grantFor(missing, 'abc234', [SSH]))).rejects.toThrow(/VM nope was not found in Azure/);
  });
});

describe('list and health', () => {
  it('list_reportsEveryAllowRuleWithOurPrefix_includingHandAddedOnes', async () => {
    const backend = backendFor(fake);
    await backend.protect(protectedPorts(vm, [SSH]));
    await backend.open(grantFor(vm, 'abc234', [SSH], '*'));
    fake.world.addRuleByHand(vm.nicNsgId!, {
      name: 'jit-allow-leftover',
      priority: 3200,
      direction: 'Inbound',
      access: 'Allow',
      protocol: 'Udp',
      destinationPortRange: '53',
      sourceAddressPrefix: '192.0.2.10',
      destinationAddressPrefix: vm.privateIp,
    });
    fake.world.addRuleByHand(vm.nicNsgId!, {
      name: 'allow-https',
      priority: 3201,
      direction: 'Inbound',
      access: 'Allow',
      protocol: 'Tcp',
      destinationPortRange: '443',
      sourceAddressPrefix: '*',
      destinationAddressPrefix: '*',
    });
    expect(await backend.list()).toEqual([
      { requestId: 'abc234', vmName: vm.name, port: 22, protocol: 'TCP', source: '*' },
      { requestId: 'leftover', vmName: vm.name, port: 53, protocol: 'UDP', source: '192.0.2.10/32' },
    ]);
  });

  it('list_afterARestart_findsRulesInTheNsgsOfProtectedVms', async () => {
    await backendFor(fake).open(grantFor(vm, 'abc234', [SSH]));
    const restarted = backendFor(fake);
    await restarted.protect(protectedPorts(vm, [SSH]));
    expect((await restarted.list()).map((r) => r.requestId)).toEqual(['abc234']);
  });

  it('health_whenTokenAndNsgAreFine_isOk', async () => {
    const backend = backendFor(fake);
    await backend.protect(protectedPorts(vm, [SSH]));
    expect(await backend.health()).toEqual({ ok: true, detail: expect.stringMatching(/NSG web-\d+-nsg readable \(1 rules, 0 open grant rules\)/) });
    expect(fake.credential.scopes.at(-1)).toBe(`${fake.endpoint}/.default`);
  });

  it('health_whenArmRejectsTheToken_isNotOk_andDoesNotThrow', async () => {
    const wrongToken = { getToken: async () => ({ token: 'stolen', expiresOnTimestamp: Date.now() + 60_000 }) };
    const backend = backendFor(fake, { credential: wrongToken });
    await expect(backend.protect(protectedPorts(vm, [SSH]))).rejects.toThrow(/InvalidAuthenticationToken/);
    expect(await backend.health()).toEqual({ ok: false, detail: expect.stringMatching(/HTTP 401 InvalidAuthenticationToken/) });
  });

  it('health_whenTheCredentialFails_isNotOk_andDoesNotThrow', async () => {
    const broken = {
      getToken: async () => {
        throw new Error('ManagedIdentityCredential: no managed identity endpoint');
      },
    };
    expect(await backendFor(fake, { credential: broken }).health()).toEqual({ ok: false, detail: expect.stringMatching(/no managed identity endpoint/) });
  });
});
