// The azure-firewall backend against the fake ARM over HTTPS: the DNAT rules it
// writes into its rule collection group, the endpoints it reports, and what
// it reads back.

import { describe, expect, it } from 'vitest';
import { firewallBackendFor, firewallSuite } from './firewall-harness.js';
import { addVm, grantFor, protectedPorts, RDP, SSH } from './harness.js';

const s = firewallSuite({ firewall: 'fw', vm: 'app', subnet: 5 }, { nicNsg: null });

const ours = () => s.provider.natRules(s.fw.policyId, 'jit-access-bot');

describe('open', () => {
  it('open_addsOneDnatRulePerPort_fromTheGrantSource_toTheVmPrivateIp_andReturnsTheEndpoints', async () => {
    const backend = firewallBackendFor(s.fake, s.fw.firewallId);

    const opened = await backend.open(grantFor(s.vm, 'abc234', [SSH, RDP], '198.51.100.7/32'));

    expect(opened).toEqual({
      endpoints: [
        { port: 22, protocol: 'TCP', host: s.fw.publicIp, hostPort: 50022 },
        { port: 3389, protocol: 'TCP', host: s.fw.publicIp, hostPort: 53389 },
      ],
    });
    expect(ours().find((r) => r.name === 'jit-abc234-22-tcp')).toEqual({
      ruleType: 'NatRule',
      name: 'jit-abc234-22-tcp',
      description: `jit-access-bot grant abc234 for ${s.vm.name} until 2026-11-28T12:00:00.000Z`,
      ipProtocols: ['TCP'],
      sourceAddresses: ['198.51.100.7/32'],
      destinationAddresses: [s.fw.publicIp],
      destinationPorts: ['50022'],
      translatedAddress: s.vm.privateIp,
      translatedPort: '22',
    });
    const [group] = s.provider.groups(s.fw.policyId);
    expect(group).toMatchObject({ name: 'jit-access-bot', priority: 150 });
    expect(group!.ruleCollections).toMatchObject([{ ruleCollectionType: 'FirewallPolicyNatRuleCollection', name: 'jit-dnat', action: { type: 'DNAT' } }]);
  });

  it('open_withAnyProtocolAndAnySource_mapsBothProtocols_fromEverywhere', async () => {
    await firewallBackendFor(s.fake, s.fw.firewallId).open(grantFor(s.vm, 'any234', [{ number: 53, protocol: '*' }], '*'));
    expect(ours()).toMatchObject([{ name: 'jit-any234-53-any', ipProtocols: ['TCP', 'UDP'], sourceAddresses: ['*'], destinationPorts: ['50053'] }]);
  });

  it('open_twice_writesOnce_andReportsTheSameEndpoints', async () => {
    const backend = firewallBackendFor(s.fake, s.fw.firewallId);
    const first = await backend.open(grantFor(s.vm, 'abc234', [SSH]));
    const writes = s.fake.writes(/ruleCollectionGroups/).length;
    expect(await backend.open(grantFor(s.vm, 'abc234', [SSH]))).toEqual(first);
    expect(s.fake.writes(/ruleCollectionGroups/).length).toBe(writes);
  });

  it('open_twoGrantsOfOneVmPort_shareOnePublicPort_withTheirOwnSources', async () => {
    const backend = firewallBackendFor(s.fake, s.fw.firewallId);
    const a = await backend.open(grantFor(s.vm, 'alice1', [SSH], '198.51.100.1/32'));
    const b = await backend.open(grantFor(s.vm, 'bob123', [SSH], '203.0.113.9/32'));
    expect(a?.endpoints[0]?.hostPort).toBe(50022);
    expect(b?.endpoints[0]?.hostPort).toBe(50022);
    expect(ours().map((r) => [r.name, r.sourceAddresses])).toEqual([
      ['jit-alice1-22-tcp', ['198.51.100.1/32']],
      ['jit-bob123-22-tcp', ['203.0.113.9/32']],
    ]);
  });

  it('open_whenAnotherGroupUsesThePreferredPort_takesTheLowestFreeOne', async () => {
    s.provider.addGroupByHand(s.fw.policyId, 'platform', 200, [
      {
        ruleType: 'NatRule',
        name: 'web',
        ipProtocols: ['TCP'],
        sourceAddresses: ['*'],
        destinationAddresses: [s.fw.publicIp],
        destinationPorts: ['50022'],
        translatedAddress: '10.9.9.9',
        translatedPort: '443',
      },
    ]);
    const opened = await firewallBackendFor(s.fake, s.fw.firewallId).open(grantFor(s.vm, 'abc234', [SSH]));
    expect(opened?.endpoints[0]?.hostPort).toBe(50000);
    expect(s.provider.natRules(s.fw.policyId, 'platform')).toHaveLength(1);
  });

  it('open_ofAnOtherVm_onTheSamePort_getsAnotherPublicPort', async () => {
    const other = addVm(s.fake, `other-${s.n}`, `10.6.0.${s.n + 3}`, { nicNsg: null });
    const backend = firewallBackendFor(s.fake, s.fw.firewallId);
    await backend.open(grantFor(s.vm, 'abc234', [SSH]));
    const opened = await backend.open(grantFor(other, 'def234', [SSH]));
    expect(opened?.endpoints[0]?.hostPort).toBe(50000);
  });

  it('open_aSourceThatIsNoCidr_isRefused_beforeAnyWrite', async () => {
    const before = s.fake.writes().length;
    await expect(firewallBackendFor(s.fake, s.fw.firewallId).open(grantFor(s.vm, 'bad234', [SSH], 'not-an-ip'))).rejects.toThrow(/neither \* nor a CIDR/);
    expect(s.fake.writes().length).toBe(before);
  });
});

describe('close, extend and list', () => {
  it('close_removesTheRequestsDnatRules_keepsOthers_andIsIdempotent', async () => {
    const backend = firewallBackendFor(s.fake, s.fw.firewallId);
    await backend.open(grantFor(s.vm, 'keep12', [SSH], '198.51.100.1/32'));
    await backend.open(grantFor(s.vm, 'gone12', [SSH, RDP]));
    await backend.close(grantFor(s.vm, 'gone12', [SSH, RDP]));
    expect(ours().map((r) => r.name)).toEqual(['jit-keep12-22-tcp']);
    const writes = s.fake.writes().length;
    await backend.close(grantFor(s.vm, 'gone12', [SSH, RDP]));
    expect(s.fake.writes().length).toBe(writes);
  });

  it('close_ofTheLastGrant_dropsTheEmptyNatCollection_butKeepsTheGroup', async () => {
    const backend = firewallBackendFor(s.fake, s.fw.firewallId);
    await backend.open(grantFor(s.vm, 'only12', [SSH]));
    await backend.close(grantFor(s.vm, 'only12', [SSH]));
    expect(s.provider.groups(s.fw.policyId)).toMatchObject([{ name: 'jit-access-bot', ruleCollections: [] }]);
  });

  it('close_whenTheVmIsGone_stillRemovesItsDnatRules', async () => {
    const backend = firewallBackendFor(s.fake, s.fw.firewallId);
    await backend.open(grantFor(s.vm, 'vmgone', [SSH]));
    s.fake.world.deleteVm(s.vm.vmId);
    await firewallBackendFor(s.fake, s.fw.firewallId).close(grantFor(s.vm, 'vmgone', [SSH]));
    expect(ours()).toEqual([]);
  });

  it('extend_rewritesTheEndInTheDescription_keepingThePublicPort', async () => {
    const backend = firewallBackendFor(s.fake, s.fw.firewallId);
    await backend.open(grantFor(s.vm, 'ext234', [SSH]));
    await backend.extend({ ...grantFor(s.vm, 'ext234', [SSH]), endAt: Date.UTC(2026, 10, 28, 14, 0, 0) });
    expect(ours()).toMatchObject([{ description: expect.stringContaining('until 2026-11-28T14:00:00.000Z'), destinationPorts: ['50022'] }]);
  });

  it('extend_whenARuleIsMissing_failsAndOpensNothing', async () => {
    const backend = firewallBackendFor(s.fake, s.fw.firewallId);
    await backend.open(grantFor(s.vm, 'ext234', [SSH]));
    await expect(backend.extend(grantFor(s.vm, 'ext234', [SSH, RDP]))).rejects.toThrow(/jit-ext234-3389-tcp not found .* nothing to extend/);
    expect(ours().map((r) => r.name)).toEqual(['jit-ext234-22-tcp']);
  });

  it('list_reportsEveryRuleInTheBotsGroup_includingHandMadeOnes_asDrift', async () => {
    const backend = firewallBackendFor(s.fake, s.fw.firewallId);
    await backend.protect(protectedPorts(s.vm, [SSH]));
    await backend.open(grantFor(s.vm, 'lst234', [SSH], '198.51.100.7/32'));
    const hand = {
      ruleType: 'NatRule',
      ipProtocols: ['UDP'],
      sourceAddresses: ['*'],
      destinationAddresses: [s.fw.publicIp],
      translatedAddress: s.vm.privateIp,
      translatedPort: '51820',
    };
    s.provider.addDnatRuleByHand(s.fw.policyId, 'jit-access-bot', { ...hand, name: 'jit-old999-51820-udp', destinationPorts: ['51820'] });
    s.provider.addDnatRuleByHand(s.fw.policyId, 'jit-access-bot', { ...hand, name: 'vpn-by-bob', destinationPorts: ['51821'] });

    expect(await backend.list()).toEqual([
      { requestId: 'lst234', vmName: s.vm.name, port: 22, protocol: 'TCP', source: '198.51.100.7/32' },
      { requestId: 'old999', vmName: s.vm.name, port: 51820, protocol: 'UDP', source: '*' },
      { requestId: '', vmName: s.vm.name, port: 51820, protocol: 'UDP', source: '*' },
    ]);
  });

  it('protect_createsTheEmptyGroupAtItsPriority_andWritesNoDenyRuleAnywhere', async () => {
    await firewallBackendFor(s.fake, s.fw.firewallId, { priority: 310 }).protect(protectedPorts(s.vm, [SSH]));
    expect(s.provider.groups(s.fw.policyId)).toMatchObject([{ name: 'jit-access-bot', priority: 310, ruleCollections: [] }]);
    expect(s.fake.writes(/networkSecurityGroups/).filter((w) => w.path.includes(s.vm.name))).toEqual([]);
  });

  it('health_saysTheGroupIsNotCreatedYet_thenCountsItsRules', async () => {
    const backend = firewallBackendFor(s.fake, s.fw.firewallId);
    expect(await backend.health()).toMatchObject({ ok: true, detail: expect.stringMatching(/at 20\.50\.0\.\d+, .*not created yet/) });
    await backend.open(grantFor(s.vm, 'hlt234', [SSH]));
    expect(await backend.health()).toMatchObject({ ok: true, detail: expect.stringContaining('readable (1 DNAT rules)') });
  });
});
