// A VM both an NSG and the Azure Firewall guard: the azure-firewall backend
// keeps the NSG's allow and deny rules as azure-nsg does (the allow rule
// admitting the firewall's subnet, where DNAT'd traffic comes from) and the
// DNAT rules beside them, all or nothing.

import { expect, it } from 'vitest';
import { firewallBackendFor, firewallSuite } from './firewall-harness.js';
import { addVm, grantFor, protectedPorts, RDP, recordingLogger, ruleNames, SSH } from './harness.js';

const s = firewallSuite({ firewall: 'fwn', vm: 'both', subnet: 7 });

const refuseNextNsgWrite = () =>
  s.fake.failNext({
    method: 'PUT',
    path: new RegExp(`networkSecurityGroups/${s.vm.name}-nsg$`),
    status: 400,
    code: 'BadRequest',
    message: 'Scripted refusal.',
  });
const dnatNames = () => s.provider.natRules(s.fw.policyId, 'jit-access-bot').map((r) => r.name);

it('protect_writesTheNsgDenyRules_ofVmsWithAnNsg_only', async () => {
  const bare = addVm(s.fake, `bare-${s.n}`, `10.7.1.${s.n + 3}`, { nicNsg: null });
  await firewallBackendFor(s.fake, s.fw.firewallId).protect([...protectedPorts(s.vm, [SSH]), ...protectedPorts(bare, [SSH])]);
  expect(ruleNames(s.fake, s.vm.nicNsgId!)).toEqual([`jit-deny-${s.vm.privateIp}-22-tcp`]);
  expect(s.provider.groups(s.fw.policyId).map((g) => g.name)).toEqual(['jit-access-bot']);
});

it('open_addsTheNsgAllowRule_andTheDnatRule', async () => {
  const backend = firewallBackendFor(s.fake, s.fw.firewallId);
  await backend.protect(protectedPorts(s.vm, [SSH]));
  const opened = await backend.open(grantFor(s.vm, 'both12', [SSH], '198.51.100.7/32'));
  expect(opened?.endpoints).toEqual([{ port: 22, protocol: 'TCP', host: s.fw.publicIp, hostPort: 50022 }]);
  expect(ruleNames(s.fake, s.vm.nicNsgId!)).toEqual(['jit-allow-both12-22-tcp', `jit-deny-${s.vm.privateIp}-22-tcp`]);
  // Azure Firewall translates a DNAT flow's source to an address of its own
  // subnet: the NSG must admit that subnet; the DNAT rule checks the requester.
  expect(s.fake.world.rules(s.vm.nicNsgId!).find((r) => r.name === 'jit-allow-both12-22-tcp')?.properties).toMatchObject({
    sourceAddressPrefix: '10.0.100.0/26',
    destinationAddressPrefix: s.vm.privateIp,
    destinationPortRange: '22',
  });
  expect(dnatNames()).toEqual(['jit-both12-22-tcp']);
  expect(s.provider.natRules(s.fw.policyId, 'jit-access-bot')[0]).toMatchObject({ sourceAddresses: ['198.51.100.7/32'] });
  expect((await backend.list()).map((r) => r.requestId)).toEqual(['both12', 'both12']);
});

it('open_whenTheDnatWriteFails_rollsBackTheNsgRule', async () => {
  s.fake.failNext({ method: 'PUT', path: /ruleCollectionGroups/, status: 400, code: 'BadRequest', message: 'Scripted refusal.' });
  const logger = recordingLogger();
  await expect(firewallBackendFor(s.fake, s.fw.firewallId, { logger }).open(grantFor(s.vm, 'roll12', [SSH]))).rejects.toThrow(
    /could not open TCP 22 on both-\d+ for request roll12: rule collection group jit-access-bot of firewall policy fwn-\d+-policy: ARM refused the change \(open roll12\): HTTP 400/,
  );
  expect(ruleNames(s.fake, s.vm.nicNsgId!)).toEqual([]);
  expect(dnatNames()).toEqual([]);
});

it('open_whenTheNsgWriteFails_rollsBackTheDnatRule', async () => {
  refuseNextNsgWrite();
  await expect(firewallBackendFor(s.fake, s.fw.firewallId).open(grantFor(s.vm, 'roll34', [SSH, RDP]))).rejects.toThrow(
    /could not open TCP 22, TCP 3389 .* NSG both-\d+-nsg: ARM refused the change/,
  );
  expect(ruleNames(s.fake, s.vm.nicNsgId!)).toEqual([]);
  expect(dnatNames()).toEqual([]);
});

it('close_removesBoth_andResolvesOnlyWhenBothAreConfirmed', async () => {
  const backend = firewallBackendFor(s.fake, s.fw.firewallId);
  await backend.open(grantFor(s.vm, 'cls123', [SSH]));
  refuseNextNsgWrite();
  await expect(backend.close(grantFor(s.vm, 'cls123', [SSH]))).rejects.toThrow(/could not close request cls123/);
  expect(dnatNames()).toEqual([]);
  expect(ruleNames(s.fake, s.vm.nicNsgId!)).toEqual(['jit-allow-cls123-22-tcp']);
  await backend.close(grantFor(s.vm, 'cls123', [SSH]));
  expect(ruleNames(s.fake, s.vm.nicNsgId!)).toEqual([]);
});

it('extend_rewritesBothDescriptions', async () => {
  const backend = firewallBackendFor(s.fake, s.fw.firewallId);
  await backend.open(grantFor(s.vm, 'ext123', [SSH]));
  await backend.extend({ ...grantFor(s.vm, 'ext123', [SSH]), endAt: Date.UTC(2026, 10, 29, 9, 0, 0) });
  const until = 'until 2026-11-29T09:00:00.000Z';
  expect(s.provider.natRules(s.fw.policyId, 'jit-access-bot')[0]?.description).toContain(until);
  expect(s.fake.world.rules(s.vm.nicNsgId!).find((r) => r.name === 'jit-allow-ext123-22-tcp')?.properties.description).toContain(until);
});

it('open_whenTheFirewallsSubnetCannotBeRead_opensNothing_andSaysWhichPermission', async () => {
  s.fake.failNext({ method: 'GET', path: /subnets\/AzureFirewallSubnet$/, status: 403, code: 'AuthorizationFailed', message: 'No access.' });
  await expect(firewallBackendFor(s.fake, s.fw.firewallId).open(grantFor(s.vm, 'sub123', [SSH]))).rejects.toThrow(
    /subnet fwn-\d+-vnet\/AzureFirewallSubnet of Azure Firewall fwn-\d+ could not be read \(the bot needs Microsoft\.Network\/virtualNetworks\/subnets\/read there\): HTTP 403 AuthorizationFailed/,
  );
  expect(ruleNames(s.fake, s.vm.nicNsgId!)).toEqual([]);
  expect(dnatNames()).toEqual([]);
});
