// decide() runs on a compiled rule list (src/domain/rules-compiled.ts): indexed by
// VM, port and named requester, IPv4 prefixes as integers, time windows as
// weekday masks read from a per-zone table, and decisions copied from a
// template per rule. Each of those must give what evaluate() gives, the plain
// reading of the rules; checked here where the generic property test
// (rules-decide.test.ts) draws too few cases of them.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, evaluate, type RuleInput } from '../../src/domain/rules.js';
import type { Decision, Policy, Rule, RuleMatch, VmPolicy } from '../../src/domain/types.js';

const PORT = { number: 22, protocol: 'TCP' as const, anySource: true, allowedSourcePrefixes: [], maxDurationSeconds: 10_800, minDurationSeconds: 1 };
const VM: VmPolicy = { id: 'web-1', name: 'web-1', tags: { env: 'prod' }, ports: [PORT] };

function input(overrides: Partial<Omit<RuleInput['draft'], 'vm'>> & { groups?: string[]; now?: number; vm?: VmPolicy } = {}): RuleInput {
  const { groups = [], now = Date.UTC(2026, 0, 5, 12), vm = VM, ...draft } = overrides;
  return {
    draft: { requester: 'U1', vm: vm.name, ports: [{ number: 22, protocol: 'TCP' }], source: '*', durationSeconds: 600, justification: '', ...draft },
    vm,
    requesterGroups: groups,
    now,
  };
}

const agrees = (request: RuleInput, policy: Policy) => expect(decide(request, policy)).toEqual(evaluate(request, policy).decision);

/** An IPv4 prefix as text, its host bits as drawn (the parser clears them). */
const ipv4Prefix = fc
  .tuple(
    fc.constantFrom(10, 11, 203, 0, 255),
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 32 }),
  )
  .map(([a, b, c, d, prefix]) => `${a}.${b}.${c}.${d}/${prefix}`);

describe('compiled sources', () => {
  it('decide_ipv4PrefixesAsIntegers_containExactlyWhatTheBigIntRangesContain', () => {
    fc.assert(
      fc.property(fc.array(ipv4Prefix, { minLength: 1, maxLength: 3 }), ipv4Prefix, (allowed, source) => {
        const policy: Policy = { vms: [], approvers: ['U9'], rules: [{ name: 'r', effect: 'approve', match: { sources: allowed } }] };
        agrees(input({ source }), policy);
      }),
      { numRuns: 1000 },
    );
  });

  it('decide_edgesOfAnIpv4Prefix_holdInsideAndFailOneAddressOutside', () => {
    const policy: Policy = { vms: [], approvers: ['U9'], rules: [{ name: 'office', effect: 'approve', match: { sources: ['10.0.0.0/8'] } }] };
    for (const [source, rule] of [
      ['10.0.0.0/32', 'office'],
      ['10.255.255.255/32', 'office'],
      ['10.0.0.0/8', 'office'],
      ['9.255.255.255/32', null],
      ['11.0.0.0/32', null],
      ['10.0.0.0/7', null],
      ['*', null],
      ['not an address', null],
      ['2001:db8::1/128', null],
    ] as const) {
      expect(decide(input({ source }), policy).matchedRule, source).toBe(rule);
      agrees(input({ source }), policy);
    }
  });

  it('decide_ipv6AndWholeFamilies_asEvaluateReadsThem', () => {
    const rules: Rule[] = [
      { name: 'v6', effect: 'approve', match: { sources: ['2001:db8::/32', 'typo'] } },
      { name: 'anywhere', effect: 'deny', match: { sources: ['::/0'] } },
    ];
    const policy: Policy = { vms: [], approvers: ['U9'], rules };
    for (const source of ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff/128', '2001:db9::/128', '2001:db8::/31', '*', '10.1.2.3/32'])
      agrees(input({ source }), policy);
    expect(decide(input({ source: '*' }), policy).matchedRule).toBe('anywhere');
    expect(decide(input({ source: '2001:db8::5/128' }), policy).matchedRule).toBe('v6');
  });
});

describe('compiled requesters and ports', () => {
  const principal = fc.constantFrom('U1', 'U2', 'S1', 'S2');
  const matchArb: fc.Arbitrary<RuleMatch> = fc.record(
    {
      requesters: fc.array(principal, { maxLength: 3 }),
      ports: fc.array(fc.constantFrom(22, 443, 3389), { maxLength: 2 }),
      vms: fc.array(fc.constantFrom('web-*', 'db-*', '*'), { minLength: 1, maxLength: 2 }),
      maxDurationSeconds: fc.constantFrom(900, 3600),
    },
    { requiredKeys: [] },
  );
  const policyArb: fc.Arbitrary<Policy> = fc
    .array(fc.tuple(matchArb, fc.constantFrom<Rule['effect']>('approve', 'deny', 'require_approval', 'break_glass')), { maxLength: 10 })
    .map((rules) => ({ vms: [], approvers: ['U9'], rules: rules.map(([match, effect], i) => ({ name: `r${i}`, match, effect })) }));
  const requestArb = fc.record({
    requester: principal,
    groups: fc.array(principal, { maxLength: 3 }),
    // No port, one, or several: one port is answered from a per-port list, the others check ports rule by rule.
    ports: fc.array(fc.constantFrom(22, 443, 3389), { maxLength: 3 }),
    vm: fc.constantFrom<VmPolicy>(VM, { ...VM, id: 'db-1', name: 'db-1' }),
    durationSeconds: fc.constantFrom(600, 1800, 7200),
  });

  it('decide_requesterAndGroupsAcrossTheIndex_givesTheFirstRuleEvaluateFinds', () => {
    fc.assert(
      fc.property(policyArb, fc.array(requestArb, { minLength: 1, maxLength: 5 }), (policy, requests) => {
        for (const { ports, ...request } of requests) {
          agrees(input({ ...request, ports: ports.map((number) => ({ number, protocol: 'TCP' })) }), policy);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('decide_ruleNamingNobody_neverHolds', () => {
    const policy: Policy = { vms: [], approvers: ['U9'], rules: [{ name: 'nobody', effect: 'approve', match: { requesters: [] } }] };
    expect(decide(input({ groups: ['S1'] }), policy).matchedRule).toBeNull();
  });

  it('decide_namedRuleAfterAGeneralOne_loses_andBeforeIt_wins', () => {
    const named: Rule = { name: 'named', effect: 'deny', match: { requesters: ['S1'] } };
    const general: Rule = { name: 'general', effect: 'approve', match: { vms: ['web-*'] } };
    expect(decide(input({ groups: ['S1'] }), { vms: [], approvers: ['U9'], rules: [general, named] }).matchedRule).toBe('general');
    expect(decide(input({ groups: ['S1'] }), { vms: [], approvers: ['U9'], rules: [named, general] }).matchedRule).toBe('named');
  });
});

describe('compiled time windows', () => {
  it('decide_unknownZone_failsClosedAsEvaluateDoes', () => {
    const policy: Policy = {
      vms: [],
      approvers: ['U9'],
      rules: [{ name: 'odd', effect: 'approve', match: { hours: { from: 0, to: 1440 }, timezone: 'Mars/Olympus' } }],
    };
    expect(decide(input(), policy).matchedRule).toBeNull();
    agrees(input(), policy);
  });

  it('decide_momentsAcrossAYearAndZones_agreesWithEvaluate', () => {
    const rules: Rule[] = [
      {
        name: 'paris-office',
        effect: 'approve',
        match: { weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: { from: 540, to: 1080 }, timezone: 'Europe/Paris' },
      },
      { name: 'tokyo-night', effect: 'deny', match: { hours: { from: 1320, to: 360 }, timezone: 'Asia/Tokyo' } },
      { name: 'ny-weekend', effect: 'deny', match: { weekdays: ['sat', 'sun'], timezone: 'America/New_York' } },
      { name: 'none', effect: 'deny', match: { weekdays: [] } },
    ];
    const policy: Policy = { vms: [], approvers: ['U9'], rules };
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 0, 1) }), (now) => {
        agrees(input({ now }), policy);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('compiled rule lists', () => {
  it('decide_twoPoliciesInTurn_eachDecidesByItsOwnRules', () => {
    // The list decided last is remembered beside the map: switching back and forth must never answer from the other.
    const deny: Policy = { vms: [], approvers: ['U9'], rules: [{ name: 'deny', effect: 'deny', match: { vms: ['web-*'] } }] };
    const approve: Policy = { vms: [], approvers: ['U9'], rules: [{ name: 'approve', effect: 'approve', match: { vms: ['web-*'] } }] };
    const effects = [deny, approve, deny, deny, approve].map((policy) => decide(input(), policy).effect);
    expect(effects).toEqual(['deny', 'approve', 'deny', 'deny', 'approve']);
  });
});

describe('compiled decisions', () => {
  const rule: Rule = { name: 'needs-approval', effect: 'require_approval', match: {} };

  it('decide_callerChangesItsDecision_theNextDecisionIsUntouched', () => {
    const policy: Policy = { vms: [], approvers: ['U9'], rules: [rule] };
    const first = decide(input(), policy);
    first.approvers.push('U666');
    first.reasons.length = 0;
    first.approvalsNeeded = 0;
    expect(decide(input(), policy)).toEqual(evaluate(input(), policy).decision);
    expect(decide(input(), policy).approvers).toEqual(['U9']);
  });

  it('decide_sameRulesUnderOtherDefaultApprovers_usesTheNewApprovers', () => {
    const rules = [rule];
    expect(decide(input(), { vms: [], approvers: ['U9'], rules }).approvers).toEqual(['U9']);
    expect(decide(input(), { vms: [], approvers: ['U8'], rules }).approvers).toEqual(['U8']);
    // No rule matches: the default approvers decide, and without any the request is refused.
    const none: Rule[] = [{ name: 'other', effect: 'approve', match: { vms: ['db-*'] } }];
    expect(decide(input(), { vms: [], approvers: ['U7'], rules: none }).approvers).toEqual(['U7']);
    expect(decide(input(), { vms: [], approvers: [], rules: none }).effect).toBe('deny');
  });

  it('decide_decisionWithEveryField_copiesEveryField', () => {
    // Every field of Decision: a new one fails to compile here until it is listed, and then this test until decide copies it.
    const fields: Record<keyof Decision, true> = {
      effect: true,
      approvalsNeeded: true,
      approvers: true,
      matchedRule: true,
      reasons: true,
      justificationError: true,
      pendingTimeoutSeconds: true,
      denyEndsRequest: true,
    };
    const full: Rule = { ...rule, pendingTimeoutSeconds: 60, denyEndsRequest: false, justification: { required: true } };
    const policy: Policy = { vms: [], approvers: ['U9'], rules: [full] };
    const decided = decide(input({ justification: '' }), policy);
    expect(Object.keys(decided).sort()).toEqual(Object.keys(fields).sort());
    expect(decided).toEqual(evaluate(input({ justification: '' }), policy).decision);
  });

  it('decide_justificationJudgedPerRequest_notRememberedWithTheRule', () => {
    const policy: Policy = {
      vms: [],
      approvers: ['U9'],
      rules: [{ name: 'glass', effect: 'break_glass', match: {}, justification: { required: true, pattern: /^INC-\d+/ } }],
    };
    expect(decide(input({ justification: 'deploy' }), policy).justificationError).toContain('rule glass needs a justification');
    expect(decide(input({ justification: 'INC-7 outage' }), policy).justificationError).toBeUndefined();
    agrees(input({ justification: '' }), policy);
  });
});
