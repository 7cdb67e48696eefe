// decide() takes a quick path (each rule left at its first failed condition, no
// sentences built); evaluate() explains every rule it tries. They must never
// disagree on the decision: checked here over generated policies and requests
// that exercise every kind of condition.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/domain/policy/parse.js';
import { decide, evaluate, type RuleInput } from '../../src/domain/rules.js';
import type { Policy, Rule, RuleMatch, VmPolicy } from '../../src/domain/types.js';

const vmArb: fc.Arbitrary<VmPolicy> = fc
  .record({
    name: fc.constantFrom('web-1', 'web-2', 'db-1', 'Win-7', 'bastion'),
    env: fc.constantFrom('prod', 'dev', undefined),
    team: fc.constantFrom('a', 'b', undefined),
  })
  .map(({ name, env, team }) => ({
    id: name,
    name,
    tags: { ...(env ? { env } : {}), ...(team ? { team } : {}) },
    ports: [{ number: 22, protocol: 'TCP', anySource: true, allowedSourcePrefixes: [], maxDurationSeconds: 10_800, minDurationSeconds: 1 }],
  }));

const matchArb: fc.Arbitrary<RuleMatch> = fc.record(
  {
    vms: fc.array(fc.constantFrom('web-*', 'db-?', 'win-*', '*', 'nope'), { minLength: 1, maxLength: 2 }),
    tags: fc.dictionary(fc.constantFrom('env', 'team', 'pci'), fc.constantFrom('prod', 'dev', 'a', '*'), { maxKeys: 2 }),
    ports: fc.array(fc.constantFrom(22, 443, 3389), { minLength: 1, maxLength: 2 }),
    requesters: fc.array(fc.constantFrom('U1', 'U2', 'S1'), { minLength: 1, maxLength: 2 }),
    maxDurationSeconds: fc.constantFrom(900, 3600, 7200),
    sources: fc.array(fc.constantFrom('10.0.0.0/8', '203.0.113.0/24', '0.0.0.0/0', '2001:db8::/32', 'not-a-cidr'), { minLength: 1, maxLength: 2 }),
    hours: fc.constantFrom({ from: 540, to: 1080 }, { from: 1320, to: 360 }),
    weekdays: fc.constantFrom<NonNullable<RuleMatch['weekdays']>>(['mon', 'tue', 'wed', 'thu', 'fri'], ['sat', 'sun']),
    timezone: fc.constantFrom('UTC', 'Europe/Paris', 'Asia/Tokyo'),
  },
  { requiredKeys: [] },
);

const ruleArb = (index: number): fc.Arbitrary<Rule> =>
  fc
    .record({
      match: matchArb,
      effect: fc.constantFrom<Rule['effect']>('approve', 'deny', 'require_approval', 'break_glass'),
      approvers: fc.option(fc.constantFrom<string[][]>(['U9'], ['S2']), { nil: undefined }),
      justification: fc.option(fc.constant<NonNullable<Rule['justification']>>({ required: true, pattern: /^INC-\d+/ }), { nil: undefined }),
    })
    .map(({ approvers, justification, ...rule }) => ({
      name: `r${index}`,
      ...rule,
      ...(approvers ? { approvers } : {}),
      ...(justification ? { justification } : {}),
    }));

const policyArb: fc.Arbitrary<Policy> = fc
  .integer({ min: 0, max: 8 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => ruleArb(i))))
  .chain((rules) => fc.constantFrom<string[][]>([], ['U9']).map((approvers) => ({ vms: [], approvers, rules })));

const inputArb: fc.Arbitrary<RuleInput> = fc
  .record({
    vm: vmArb,
    requester: fc.constantFrom('U1', 'U2', 'U3'),
    port: fc.constantFrom(22, 443, 3389),
    source: fc.constantFrom('10.1.2.3/32', '203.0.113.9/32', '*', '2001:db8::1/128', '192.0.2.1/32'),
    durationSeconds: fc.constantFrom(600, 3600, 10_800),
    justification: fc.constantFrom('INC-1 outage', 'deploy', ''),
    groups: fc.constantFrom<string[][]>([], ['S1'], ['S2']),
    now: fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 31) }),
  })
  .map(({ vm, requester, port, source, durationSeconds, justification, groups, now }) => ({
    draft: { requester, vm: vm.name, ports: [{ number: port, protocol: 'TCP' }], source, durationSeconds, justification },
    vm,
    requesterGroups: groups,
    now,
  }));

describe('decide', () => {
  it('decide_anyPolicyAndRequest_givesTheDecisionEvaluateExplains', () => {
    fc.assert(
      fc.property(policyArb, inputArb, (policy, input) => {
        expect(decide(input, policy)).toEqual(evaluate(input, policy).decision);
      }),
      { numRuns: 2000 },
    );
  });

  it('decide_againOnTheSameRulesAndVm_answersFromItsIndex_andStillAgrees', () => {
    fc.assert(
      fc.property(policyArb, fc.array(inputArb, { minLength: 2, maxLength: 6 }), (policy, inputs) => {
        // The same VM object for every request: the second and later decisions use the per-VM index.
        const vm = inputs[0]!.vm;
        for (const input of inputs) {
          const same = { ...input, vm, draft: { ...input.draft, vm: vm.name } };
          expect(decide(same, policy)).toEqual(evaluate(same, policy).decision);
          expect(decide(same, policy)).toEqual(evaluate(same, policy).decision);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('parsedPolicy_isFrozen_soAnEditIsANewPolicyAndTheIndexNeverGoesStale', () => {
    const text = (effect: string) =>
      `approvers: [UAPPROVER1]\nvirtualMachines:\n  - { id: web-1, ports: [{ number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H }] }\nrules:\n  - { name: r, match: { vms: [web-*] }, effect: ${effect} }\n`;
    const first = parsePolicy(text('deny'), 'yaml');
    const second = parsePolicy(text('approve'), 'yaml');
    if (!first.ok || !second.ok) throw new Error('fixture policy invalid');
    expect(() => (first.policy.rules as Rule[]).push(first.policy.rules[0]!)).toThrow(TypeError);
    expect(() => ((first.policy.vms[0]!.tags as Record<string, string>).env = 'prod')).toThrow(TypeError);
    const input = (policy: Policy): RuleInput => ({
      draft: { requester: 'U1', vm: 'web-1', ports: [{ number: 22, protocol: 'TCP' }], source: '*', durationSeconds: 600, justification: '' },
      vm: policy.vms[0]!,
      requesterGroups: [],
      now: Date.UTC(2026, 0, 5, 12),
    });
    expect(decide(input(first.policy), first.policy).effect).toBe('deny');
    expect(decide(input(second.policy), second.policy).effect).toBe('approve');
  });

  it('evaluate_ruleFailingSeveralConditions_stillExplainsEveryOne', () => {
    const policy: Policy = {
      vms: [],
      approvers: ['U9'],
      rules: [{ name: 'narrow', effect: 'approve', match: { vms: ['db-*'], ports: [443], maxDurationSeconds: 600 } }],
    };
    const input: RuleInput = {
      draft: { requester: 'U1', vm: 'web-1', ports: [{ number: 22, protocol: 'TCP' }], source: '*', durationSeconds: 3600, justification: '' },
      vm: { id: 'web-1', name: 'web-1', tags: {}, ports: [] },
      requesterGroups: [],
      now: Date.UTC(2026, 0, 5, 12),
    };
    expect(evaluate(input, policy).trace).toEqual([
      { rule: 'narrow', matched: false, failed: [['VM web-1 does not match db-*'], ['port 22 is not in [443]'], ['duration 1h is longer than 10m']] },
    ]);
  });
});
