import { describe, expect, it } from 'vitest';
import { DEFAULT_BANDS } from '../../../src/firewall/azure/rule-layout.js';
import {
  allowIntents,
  converge,
  convergeDenyRules,
  denyIntent,
  removeGrantRules,
  shadowingRules,
  type NsgRule,
} from '../../../src/firewall/azure/rule-plan.js';
import { normaliseSource, openRulesIn } from '../../../src/firewall/azure/readback.js';

const { allow, deny } = DEFAULT_BANDS;
const grant = (requestId: string, source = '198.51.100.7/32') => ({
  requestId,
  ports: [
    { number: 22, protocol: 'TCP' as const },
    { number: 3389, protocol: '*' as const },
  ],
  source,
  vmName: 'web-1',
  endAt: Date.UTC(2026, 10, 28, 12),
});
const handRule = (name: string, priority: number, extra: NsgRule = {}): NsgRule => ({
  name,
  priority,
  direction: 'Inbound',
  access: 'Allow',
  protocol: 'Tcp',
  sourcePortRange: '*',
  destinationPortRange: '443',
  sourceAddressPrefix: '*',
  destinationAddressPrefix: '*',
  ...extra,
});
const byName = (rules: NsgRule[] | undefined) => new Map((rules ?? []).map((r) => [r.name, r]));

describe('opening a grant', () => {
  it('converge_placesOneAllowRulePerPort_atTheLowestFreeAllowPriorities', () => {
    const rules = converge([handRule('mine', allow.min)], allowIntents(grant('abc234'), '10.0.0.4'), allow)!;
    const placed = byName(rules);
    expect(placed.get('mine')?.priority).toBe(allow.min);
    expect(placed.get('jit-allow-abc234-22-tcp')).toMatchObject({
      priority: allow.min + 1,
      access: 'Allow',
      direction: 'Inbound',
      protocol: 'Tcp',
      destinationPortRange: '22',
      sourceAddressPrefix: '198.51.100.7/32',
      destinationAddressPrefix: '10.0.0.4',
    });
    expect(placed.get('jit-allow-abc234-3389-any')).toMatchObject({ priority: allow.min + 2, protocol: '*' });
  });

  it('converge_everyAllowPriority_isBelowEveryDenyPriority', () => {
    let rules: NsgRule[] = convergeDenyRules([], [denyIntent({ port: 22, protocol: 'TCP', vmName: 'web-1' }, '10.0.0.4')], deny, true)!;
    for (let i = 0; i < 30; i++) rules = converge(rules, allowIntents(grant(`req${i}`), '10.0.0.4'), allow)!;
    const denyPriority = byName(rules).get('jit-deny-10.0.0.4-22-tcp')!.priority!;
    const allowPriorities = rules.filter((r) => r.access === 'Allow').map((r) => r.priority!);
    expect(new Set(allowPriorities).size).toBe(60);
    expect(Math.max(...allowPriorities)).toBeLessThan(denyPriority);
  });

  it('converge_whenTheRulesAlreadyExist_changesNothing', () => {
    const once = converge([], allowIntents(grant('abc234'), '10.0.0.4'), allow)!;
    expect(converge(once, allowIntents(grant('abc234'), '10.0.0.4'), allow)).toBeUndefined();
  });

  it('converge_whenASameNamedRuleDiffers_rewritesItInPlace_atItsPriority', () => {
    const once = converge([handRule('other', allow.min)], allowIntents(grant('abc234'), '10.0.0.4'), allow)!;
    const again = byName(converge(once, allowIntents(grant('abc234', '203.0.113.0/24'), '10.0.0.4'), allow));
    expect(again.get('jit-allow-abc234-22-tcp')).toMatchObject({ priority: allow.min + 1, sourceAddressPrefix: '203.0.113.0/24' });
    expect(again.get('other')?.priority).toBe(allow.min);
  });

  it('converge_whenTheBandIsFull_refusesTheWholeGrant', () => {
    const tiny = { min: 200, max: 201 };
    const full = [handRule('a', 200)];
    expect(() => converge(full, allowIntents(grant('abc234'), '10.0.0.4'), tiny)).toThrow(/no free priority left in 200–201/);
  });

  it('converge_leavesRulesItDoesNotOwn_asTheSameObjects', () => {
    const theirs = handRule('theirs', 100);
    const rules = converge([theirs], allowIntents(grant('abc234'), '10.0.0.4'), allow)!;
    expect(rules[0]).toBe(theirs);
  });
});

describe('closing a grant', () => {
  it('removeGrantRules_removesEveryPortOfThatRequestOnly', () => {
    let rules = converge([handRule('jit-allowance', 500)], allowIntents(grant('abc234'), '10.0.0.4'), allow)!;
    rules = converge(rules, allowIntents(grant('abc23'), '10.0.0.4'), allow)!;
    const left = removeGrantRules(rules, 'abc234', allow)!;
    expect(left.map((r) => r.name).sort()).toEqual(['jit-allow-abc23-22-tcp', 'jit-allow-abc23-3389-any', 'jit-allowance']);
    expect(removeGrantRules(left, 'abc234', allow)).toBeUndefined();
  });

  it('removeGrantRules_removesAHandMadeRuleByItsParsedId', () => {
    expect(removeGrantRules([handRule('jit-allow-handmade', 3100)], 'handmade', allow)).toEqual([]);
  });
});

describe('protecting ports', () => {
  const intents = [
    denyIntent({ port: 22, protocol: 'TCP', vmName: 'web-1' }, '10.0.0.4'),
    denyIntent({ port: 3389, protocol: 'TCP', vmName: 'web-1' }, '10.0.0.4'),
  ];

  it('convergeDenyRules_addsADenyPerPort_fromAnySource_toThePrivateIp', () => {
    const rules = byName(convergeDenyRules([handRule('busy', deny.min)], intents, deny, true));
    expect(rules.get('jit-deny-10.0.0.4-22-tcp')).toMatchObject({
      access: 'Deny',
      priority: deny.min + 1,
      sourceAddressPrefix: '*',
      destinationAddressPrefix: '10.0.0.4',
    });
    expect(rules.get('jit-deny-10.0.0.4-3389-tcp')?.priority).toBe(deny.min + 2);
    expect(rules.get('busy')?.priority).toBe(deny.min);
  });

  it('convergeDenyRules_removesOurStaleDenyRules_onlyWhenAllowedTo_andNeverOthers', () => {
    const both = convergeDenyRules([handRule('deny-legacy', 300, { access: 'Deny' })], intents, deny, true)!;
    const grantRule = converge(both, allowIntents(grant('abc234'), '10.0.0.4'), allow)!;
    const onlySsh = convergeDenyRules(grantRule, intents.slice(0, 1), deny, true)!;
    expect(onlySsh.map((r) => r.name)).not.toContain('jit-deny-10.0.0.4-3389-tcp');
    expect(onlySsh.map((r) => r.name)).toEqual(expect.arrayContaining(['deny-legacy', 'jit-allow-abc234-22-tcp', 'jit-deny-10.0.0.4-22-tcp']));
    expect(convergeDenyRules(grantRule, intents.slice(0, 1), deny, false)).toBeUndefined();
  });

  it('shadowingRules_namesEarlierAllowRulesThatOpenThePortAnyway', () => {
    const target = { ...intents[0]!, priority: 3500 };
    const rules = [
      handRule('ssh-anywhere', 300, { destinationPortRange: '22' }),
      handRule('range', 310, { destinationPortRange: '20-30', destinationAddressPrefix: '10.0.0.0/24' }),
      handRule('vnet', 320, {
        protocol: '*',
        destinationPortRanges: ['22', '80'],
        destinationPortRange: undefined,
        destinationAddressPrefix: 'VirtualNetwork',
      }),
      handRule('other-vm', 330, { destinationPortRange: '22', destinationAddressPrefix: '10.0.1.9' }),
      handRule('udp', 340, { protocol: 'Udp', destinationPortRange: '22' }),
      handRule('later', 4000, { destinationPortRange: '22' }),
      handRule('jit-allow-abc234-22-tcp', 3000, { destinationPortRange: '22' }),
    ];
    expect(shadowingRules(rules, target)).toEqual(['ssh-anywhere (priority 300)', 'range (priority 310)', 'vnet (priority 320)']);
  });
});

describe('reading rules back', () => {
  it('openRulesIn_reportsEveryRuleWithOurAllowPrefix', () => {
    const rules: NsgRule[] = [
      ...converge([], allowIntents(grant('abc234'), '10.0.0.4'), allow)!,
      handRule('jit-allow-handmade', 3200, { destinationPortRange: '22', sourceAddressPrefix: '203.0.113.9', destinationAddressPrefix: '10.0.0.99' }),
      handRule('allow-https', 3300),
      ...convergeDenyRules([], [denyIntent({ port: 22, protocol: 'TCP', vmName: 'web-1' }, '10.0.0.4')], deny, true)!,
    ];
    const open = openRulesIn(rules, (ip) => (ip === '10.0.0.4' ? 'web-1' : undefined));
    expect(open).toEqual([
      { requestId: 'abc234', vmName: 'web-1', port: 22, protocol: 'TCP', source: '198.51.100.7/32' },
      { requestId: 'abc234', vmName: 'web-1', port: 3389, protocol: '*', source: '198.51.100.7/32' },
      { requestId: 'handmade', vmName: '10.0.0.99', port: 22, protocol: 'TCP', source: '203.0.113.9/32' },
    ]);
  });

  it('normaliseSource_matchesHowGrantSourcesAreWritten', () => {
    expect(['*', '', '203.0.113.9', '2001:DB8::/32', 'Internet'].map(normaliseSource)).toEqual(['*', '*', '203.0.113.9/32', '2001:db8::/32', 'Internet']);
  });
});
