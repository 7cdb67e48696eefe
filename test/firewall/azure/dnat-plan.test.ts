// The DNAT planner, pure: which public port a grant gets, what its rules look
// like, and what open, close and extend make of the bot's group.

import { describe, expect, it } from 'vitest';
import {
  choosePublicPort,
  type DnatIntent,
  type DnatSettings,
  dnatIntents,
  ensureGroup,
  extendDnat,
  type NatRule,
  natRuleRequestId,
  natRules,
  openDnat,
  type PolicyRules,
  preferredPort,
  removeDnat,
} from '../../../src/firewall/azure/dnat-plan.js';

const IP = '20.50.0.1';
const RANGE = { min: 50000, max: 59999 };
const SETTINGS: DnatSettings = { name: 'jit-access-bot', priority: 150, policy: 'hub-policy', publicIp: IP, publicPorts: RANGE };
const END = Date.UTC(2026, 10, 28, 12, 0, 0);

const grant = (requestId: string, ports: { number: number; protocol: 'TCP' | 'UDP' | '*' }[], source = '198.51.100.7/32') =>
  dnatIntents({ requestId, ports, source, vmName: 'web-1', endAt: END }, '10.0.0.4');
const intent = (port: number, protocol: 'TCP' | 'UDP' | '*' = 'TCP', address = '10.0.0.4'): DnatIntent => ({
  name: `jit-x-${port}`,
  protocol,
  port,
  source: '*',
  translatedAddress: address,
  description: 'd',
});
const nat = (publicPort: number, to: string, port: number, protocols = ['TCP'], name = `r-${publicPort}`): NatRule => ({
  ruleType: 'NatRule',
  name,
  ipProtocols: protocols,
  sourceAddresses: ['*'],
  destinationAddresses: [IP],
  destinationPorts: [String(publicPort)],
  translatedAddress: to,
  translatedPort: String(port),
});
const group = (name: string, priority: number, rules: NatRule[]) => ({
  name,
  priority,
  ruleCollections: [{ ruleCollectionType: 'FirewallPolicyNatRuleCollection', name: 'c', priority: 100, action: { type: 'DNAT' }, rules }],
});

describe('public port choice', () => {
  it('preferredPort_isTheRangeStartPlusThePortModuloItsSize', () => {
    expect(preferredPort(22, RANGE)).toBe(50022);
    expect(preferredPort(3389, RANGE)).toBe(53389);
    expect(preferredPort(22, { min: 40000, max: 40009 })).toBe(40002);
  });

  it('choosePublicPort_reusesThePortOurRuleAlreadyMapsToTheSameVmPortAndProtocol', () => {
    const ours = [nat(50500, '10.0.0.4', 22)];
    expect(choosePublicPort(ours, ours, intent(22), IP, RANGE)).toBe(50500);
  });

  it('choosePublicPort_doesNotReuseAMappingOfAnotherProtocolOrVm', () => {
    const ours = [nat(50500, '10.0.0.4', 22, ['UDP']), nat(50501, '10.0.0.9', 22)];
    expect(choosePublicPort(ours, ours, intent(22), IP, RANGE)).toBe(50022);
  });

  it('choosePublicPort_whenAnyGroupUsesThePreferredPort_takesTheLowestFree', () => {
    const others = [nat(50022, '10.9.9.9', 443), nat(50000, '10.9.9.8', 80), { ...nat(0, '10.9.9.7', 81), destinationPorts: ['50001-50003'] }];
    expect(choosePublicPort([], others, intent(22), IP, RANGE)).toBe(50004);
  });

  it('choosePublicPort_ignoresPortsUsedOnAnotherPublicIp', () => {
    expect(choosePublicPort([], [{ ...nat(50022, '10.9.9.9', 443), destinationAddresses: ['20.50.0.99'] }], intent(22), IP, RANGE)).toBe(50022);
  });

  it('choosePublicPort_withTheRangeFull_saysToWidenIt', () => {
    const used = [nat(40000, 'a', 1), nat(40001, 'b', 2)];
    expect(() => choosePublicPort([], used, intent(22), IP, { min: 40000, max: 40001 })).toThrow(
      /no free public port left in 40000–40001 on 20\.50\.0\.1 .* widen JIT_AZURE_FIREWALL_PORTS/,
    );
  });
});

describe('rules', () => {
  it('openDnat_createsTheGroupAndItsNatCollection_withOneRulePerPort', () => {
    const next = openDnat(
      { others: [] },
      grant('abc234', [
        { number: 22, protocol: 'TCP' },
        { number: 53, protocol: '*' },
      ]),
      SETTINGS,
    )!;
    expect(next.group).toMatchObject({ name: 'jit-access-bot', priority: 150 });
    expect(next.group!.ruleCollections).toEqual([
      {
        ruleCollectionType: 'FirewallPolicyNatRuleCollection',
        name: 'jit-dnat',
        priority: 100,
        action: { type: 'DNAT' },
        rules: [
          {
            ruleType: 'NatRule',
            name: 'jit-abc234-22-tcp',
            description: 'jit-access-bot grant abc234 for web-1 until 2026-11-28T12:00:00.000Z',
            ipProtocols: ['TCP'],
            sourceAddresses: ['198.51.100.7/32'],
            destinationAddresses: [IP],
            destinationPorts: ['50022'],
            translatedAddress: '10.0.0.4',
            translatedPort: '22',
          },
          expect.objectContaining({ name: 'jit-abc234-53-any', ipProtocols: ['TCP', 'UDP'], destinationPorts: ['50053'] }),
        ],
      },
    ]);
  });

  it('openDnat_whatIsAlreadyThere_changesNothing', () => {
    const rules = openDnat({ others: [] }, grant('abc234', [{ number: 22, protocol: 'TCP' }]), SETTINGS)!;
    expect(openDnat(rules, grant('abc234', [{ number: 22, protocol: 'TCP' }]), SETTINGS)).toBeUndefined();
  });

  it('openDnat_twoPortsOfOneGrant_thatPreferOnePublicPort_getTwo', () => {
    const next = openDnat(
      { others: [] },
      grant('two234', [
        { number: 22, protocol: 'TCP' },
        { number: 10022, protocol: 'TCP' },
      ]),
      SETTINGS,
    )!;
    expect(natRules(next.group).map((r) => r.destinationPorts)).toEqual([['50022'], ['50000']]);
  });

  it('openDnat_leavesOtherGroupsAndOtherCollectionsOfOurGroupAsTheyAre', () => {
    const filter = { ruleCollectionType: 'FirewallPolicyFilterRuleCollection', name: 'theirs', priority: 300, action: { type: 'Allow' }, rules: [] };
    const rules: PolicyRules = { group: { name: 'jit-access-bot', priority: 150, ruleCollections: [filter] }, others: [group('platform', 200, [])] };
    const next = openDnat(rules, grant('abc234', [{ number: 22, protocol: 'TCP' }]), SETTINGS)!;
    expect(next.others).toBe(rules.others);
    expect(next.group!.ruleCollections![0]).toBe(filter);
  });

  it('openDnat_whenAnotherGroupHasOurPriority_namesItAndTheVariable', () => {
    expect(() => openDnat({ others: [group('platform', 150, [])] }, grant('abc234', [{ number: 22, protocol: 'TCP' }]), SETTINGS)).toThrow(
      'rule collection group platform of firewall policy hub-policy already has priority 150, and priorities are unique within a policy: set JIT_AZURE_FIREWALL_PRIORITY to one no group of the policy uses',
    );
  });

  it('removeDnat_dropsTheRequestsRules_andTheCollectionOnceEmpty', () => {
    let rules = openDnat({ others: [] }, grant('keep12', [{ number: 22, protocol: 'TCP' }]), SETTINGS)!;
    rules = openDnat(rules, grant('gone12', [{ number: 22, protocol: 'TCP' }], '203.0.113.1/32'), SETTINGS)!;
    rules = removeDnat(rules, 'GONE12', SETTINGS)!;
    expect(natRules(rules.group).map((r) => r.name)).toEqual(['jit-keep12-22-tcp']);
    expect(removeDnat(rules, 'gone12', SETTINGS)).toBeUndefined();
    expect(removeDnat(rules, 'keep12', SETTINGS)!.group!.ruleCollections).toEqual([]);
  });

  it('extendDnat_rewritesTheDescription_andThrowsWhenARuleIsMissing', () => {
    const rules = openDnat({ others: [] }, grant('ext123', [{ number: 22, protocol: 'TCP' }]), SETTINGS)!;
    const later = dnatIntents(
      { requestId: 'ext123', ports: [{ number: 22, protocol: 'TCP' }], source: '198.51.100.7/32', vmName: 'web-1', endAt: END + 3_600_000 },
      '10.0.0.4',
    );
    expect(natRules(extendDnat(rules, later, SETTINGS)!.group)).toMatchObject([
      { description: expect.stringContaining('13:00:00'), destinationPorts: ['50022'] },
    ]);
    expect(() => extendDnat(rules, grant('ext123', [{ number: 3389, protocol: 'TCP' }]), SETTINGS)).toThrow(/jit-ext123-3389-tcp not found/);
  });

  it('extendDnat_keepsAPublicPortThatIsNotThePreferredOne_evenWhenALowerOneIsFreeNow', () => {
    // 50022 was taken when the grant opened, so it got 50000; then 50022 was freed.
    const taken = { group: group('other', 300, [nat(50022, '10.9.9.9', 22)]) };
    const opened = openDnat({ others: [taken.group] }, grant('ext456', [{ number: 22, protocol: 'TCP' }]), SETTINGS)!;
    expect(natRules(opened.group)[0]?.destinationPorts).toEqual(['50000']);
    const later = dnatIntents(
      { requestId: 'ext456', ports: [{ number: 22, protocol: 'TCP' }], source: '198.51.100.7/32', vmName: 'web-1', endAt: END + 3_600_000 },
      '10.0.0.4',
    );
    expect(natRules(extendDnat({ group: opened.group, others: [] }, later, SETTINGS)!.group)[0]?.destinationPorts).toEqual(['50000']);
  });

  it('ensureGroup_createsItEmpty_thenHasNothingToDo', () => {
    const created = ensureGroup({ others: [] }, SETTINGS)!;
    expect(created.group).toEqual({ name: 'jit-access-bot', priority: 150, ruleCollections: [] });
    expect(ensureGroup(created, SETTINGS)).toBeUndefined();
  });

  it('natRuleRequestId_readsOurNames_andGivesNoneForHandMadeOnes', () => {
    expect(natRuleRequestId('jit-abc234-22-tcp')).toBe('abc234');
    expect(natRuleRequestId('JIT-Old-Id')).toBe('old-id');
    expect(natRuleRequestId('ssh-for-bob')).toBe('');
  });
});
