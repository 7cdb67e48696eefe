import { describe, expect, it } from 'vitest';
import { explainLines } from '../../src/domain/explain.js';
import { onCallWarnings } from '../../src/domain/policy/checks.js';
import { formatPolicyProblems, parsePolicyDocument, type PolicyProblem } from '../../src/domain/policy/parse.js';
import { decide, evaluate, onCallQuestions, type RuleInput } from '../../src/domain/rules.js';
import { onCallKey, onCallNotes, type OnCallStatus } from '../../src/domain/rules-on-call.js';
import type { Policy, RequestDraft } from '../../src/domain/types.js';

// `match.onCall` (issue 16): the schema, the engine reading the on-call port's
// answers (holds, does not, fails closed), and the load-time token warning.

const VM = { id: 'prod-1', tags: { env: 'prod' }, ports: [{ number: 22, protocol: 'TCP', allowedSourceAddressPrefix: '*', maxRequestAccessDuration: 'PT3H' }] };
const ON_CALL = { pagerduty: { schedules: ['PABC123'], escalationPolicies: ['PXYZ789'] }, opsgenie: { schedules: ['sre-primary'] } };

function parse(rules: unknown[]): Policy {
  const result = parsePolicyDocument({ approvers: ['UAPPROVER'], virtualMachines: [VM], rules });
  if (!result.ok) throw new Error(formatPolicyProblems(result.problems));
  return result.policy;
}

function problemsOf(onCall: unknown): PolicyProblem[] {
  const result = parsePolicyDocument({ approvers: ['UAPPROVER'], virtualMachines: [VM], rules: [{ name: 'r', match: { onCall }, effect: 'approve' }] });
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.problems;
}

const POLICY_RULES = [
  { name: 'oncall-sre-prod-ssh', match: { tags: { env: 'prod' }, ports: [22], maxDuration: '1h', onCall: ON_CALL }, effect: 'approve' },
  { name: 'prod-approval', match: { tags: { env: 'prod' } }, effect: 'require_approval' },
];

function inputFor(policy: Policy, answer?: OnCallStatus, durationSeconds = 3600): RuleInput {
  const draft: RequestDraft = { requester: 'UREQ', vm: 'prod-1', ports: [{ number: 22, protocol: 'TCP' }], source: '*', durationSeconds, justification: '' };
  const condition = policy.rules[0]?.match.onCall;
  const onCall = answer === undefined || condition === undefined ? undefined : new Map([[onCallKey(condition), answer]]);
  return { draft, vm: policy.vms[0]!, requesterGroups: [], now: Date.UTC(2026, 10, 28, 9), ...(onCall ? { onCall } : {}) };
}

describe('match.onCall in the policy', () => {
  it('onCall_theIssueExample_isReadAsWritten', () => {
    const [rule] = parse(POLICY_RULES).rules;
    expect(rule?.match).toEqual({ tags: { env: 'prod' }, ports: [22], maxDurationSeconds: 3600, onCall: ON_CALL });
  });

  it('onCall_oneServiceAlone_isValid_andRepeatsAreDropped', () => {
    const [rule] = parse([{ name: 'r', match: { onCall: { opsgenie: { schedules: ['sre', 'sre'] } } }, effect: 'approve' }]).rules;
    expect(rule?.match.onCall).toEqual({ opsgenie: { schedules: ['sre'] } });
  });

  it('onCall_nothingListed_saysWhatToAdd', () => {
    expect(problemsOf({})[0]?.message).toMatch(/onCall lists nothing: add `pagerduty` or `opsgenie`/);
    expect(problemsOf({ pagerduty: {} })[0]?.message).toMatch(/pagerduty lists nothing: add `schedules` or `escalationPolicies`/);
    expect(problemsOf({ opsgenie: { schedules: [] } })[0]?.message).toMatch(/an empty list matches nothing/);
  });

  it('onCall_aScheduleNameForAPagerDutyId_pointsToTheId', () => {
    const [problem] = problemsOf({ pagerduty: { schedules: ['SRE primary'] } });
    expect(problem?.path).toBe('rules[0].match.onCall.pagerduty.schedules[0]');
    expect(problem?.message).toMatch(/is not a PagerDuty schedule ID: use the ID from its page's address \(…\/schedules\/PABC123\), not its name/);
  });

  it('onCall_unknownKeysAndWrongTypes_areEachReported', () => {
    const problems = problemsOf({ pagerduty: { schedule: ['PABC123'] }, victorops: {}, opsgenie: 'sre' }).map((p) => `${p.path}: ${p.message}`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^rules\[0\]\.match\.onCall\.pagerduty\.schedule: unknown key \(did you mean `schedules`\?\)/),
        expect.stringMatching(/^rules\[0\]\.match\.onCall\.victorops: unknown key: allowed keys are pagerduty, opsgenie/),
        expect.stringMatching(/^rules\[0\]\.match\.onCall\.opsgenie: expected an Opsgenie object such as \{schedules: \[sre-primary\]\}, got `sre`/),
      ]),
    );
  });
});

describe('the rule engine reads the on-call answers', () => {
  const policy = parse(POLICY_RULES);

  it('onCall_requesterOnCall_ruleApproves', () => {
    const input = inputFor(policy, { onCall: true, where: 'PagerDuty schedule PABC123' });
    expect(decide(input, policy).matchedRule).toBe('oncall-sre-prod-ssh');
    expect(evaluate(input, policy).decision.effect).toBe('approve');
  });

  it('onCall_requesterOffCall_nextRuleDecides_andExplainSaysWhere', () => {
    const input = inputFor(policy, { onCall: false, problems: [] });
    expect(decide(input, policy).matchedRule).toBe('prod-approval');
    const lines = explainLines(evaluate(input, policy)).map((line) => line.join(''));
    expect(lines).toContain(
      'rule oncall-sre-prod-ssh did not match: requester is not on call in PagerDuty schedule PABC123, PagerDuty escalation policy PXYZ789 or Opsgenie schedule sre-primary',
    );
  });

  it('onCall_lookupFailed_failsClosed_andSaysWhyInOneSentence', () => {
    const input = inputFor(policy, { onCall: false, problems: ['PagerDuty could not be reached (timeout after 3 s)'] });
    expect(decide(input, policy).matchedRule).toBe('prod-approval');
    const trace = evaluate(input, policy).trace[0];
    expect(trace?.failed.map((m) => m.join(''))).toEqual([
      'PagerDuty could not be reached (timeout after 3 s): the on-call condition of rule oncall-sre-prod-ssh does not hold',
    ]);
  });

  it('onCall_noAnswerAtAll_failsClosed', () => {
    const input = inputFor(policy);
    expect(decide(input, policy).matchedRule).toBe('prod-approval');
    expect(evaluate(input, policy).trace[0]?.failed.map((m) => m.join(''))).toEqual([
      'the on-call status was not looked up: the on-call condition of rule oncall-sre-prod-ssh does not hold',
    ]);
  });

  it('onCall_otherConditionsFail_isNotAsked_andTheTraceNamesOnlyThem', () => {
    const input = inputFor(policy, undefined, 7200);
    expect(onCallQuestions(input, policy)).toEqual([]);
    expect(evaluate(input, policy).trace[0]?.failed.map((m) => m.join(''))).toEqual(['duration 2h is longer than 1h']);
  });

  it('onCallQuestions_stopAtTheFirstRuleThatDecidesWithoutOne', () => {
    const layered = parse([
      { name: 'a', match: { onCall: { opsgenie: { schedules: ['a'] } } }, effect: 'approve' },
      { name: 'b', match: { onCall: { opsgenie: { schedules: ['b'] } } }, effect: 'approve' },
      { name: 'plain', effect: 'require_approval' },
      { name: 'never-reached', match: { onCall: { opsgenie: { schedules: ['c'] } } }, effect: 'approve' },
    ]);
    expect(onCallQuestions(inputFor(layered), layered).map((q) => q.rule)).toEqual(['a', 'b']);
    const plain = parse([{ name: 'plain', effect: 'approve' }]);
    expect(onCallQuestions(inputFor(plain), plain)).toEqual([]);
  });

  it('onCallNotes_tellApproversWhyAFailedLookupLeftTheRequestToThem', () => {
    const input = inputFor(policy, { onCall: false, problems: ['PagerDuty answered HTTP 500'] });
    const questions = onCallQuestions(input, policy);
    expect(onCallNotes(questions, input.onCall, 'prod-approval')).toEqual([
      'PagerDuty answered HTTP 500: the on-call condition of rule oncall-sre-prod-ssh does not hold',
    ]);
    const on = inputFor(policy, { onCall: true, where: 'Opsgenie schedule sre-primary' });
    expect(onCallNotes(questions, on.onCall, 'oncall-sre-prod-ssh')).toEqual(['requester is on call in Opsgenie schedule sre-primary']);
    expect(onCallNotes(questions, inputFor(policy, { onCall: false, problems: [] }).onCall, 'prod-approval')).toEqual([]);
  });
});

describe('onCallWarnings', () => {
  const policy = parse(POLICY_RULES);

  it('aServiceWithoutItsToken_isWarnedWithTheVariable', () => {
    expect(onCallWarnings(policy, { pagerduty: false, opsgenie: true })).toEqual([
      'rule oncall-sre-prod-ssh: its on-call condition names PagerDuty but JIT_PAGERDUTY_TOKEN is not set, so PagerDuty never counts: set JIT_PAGERDUTY_TOKEN or remove pagerduty from the rule',
    ]);
    expect(onCallWarnings(policy, { pagerduty: false, opsgenie: false })[0]).toMatch(
      /names PagerDuty and Opsgenie but JIT_PAGERDUTY_TOKEN and JIT_OPSGENIE_TOKEN are not set, so the condition can never hold/,
    );
  });

  it('everyTokenSet_orNoOnCallRule_warnsNothing', () => {
    expect(onCallWarnings(policy, { pagerduty: true, opsgenie: true })).toEqual([]);
    expect(onCallWarnings(parse([{ name: 'plain', effect: 'approve' }]), { pagerduty: false, opsgenie: false })).toEqual([]);
  });
});

describe('decide and evaluate agree on on-call rules', () => {
  it('generatedRulesAndAnswers_sameRuleEitherWay', () => {
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const places = [
      { opsgenie: { schedules: ['a'] } },
      { pagerduty: { schedules: ['PB1'] } },
      { pagerduty: { escalationPolicies: ['PE1'] }, opsgenie: { schedules: ['b'] } },
    ];
    const answers: OnCallStatus[] = [
      { onCall: true, where: 'x' },
      { onCall: false, problems: [] },
      { onCall: false, problems: ['PagerDuty answered HTTP 500'] },
    ];
    for (let round = 0; round < 300; round++) {
      const rules = Array.from({ length: 1 + next(5) }, (_, i) => ({
        name: `r${i}`,
        match: {
          ...(next(2) === 0 ? { onCall: places[next(places.length)] } : {}),
          ...(next(3) === 0 ? { maxDuration: '1h' } : {}),
          ...(next(4) === 0 ? { ports: [3389] } : {}),
        },
        effect: next(2) === 0 ? 'approve' : 'deny',
      }));
      const policy = parse(rules);
      const base = inputFor(policy, undefined, next(2) === 0 ? 1800 : 7200);
      const questions = onCallQuestions(base, policy);
      const onCall = new Map(questions.map((q) => [q.key, answers[next(answers.length)] as OnCallStatus]));
      const input = { ...base, onCall };
      expect(decide(input, policy).matchedRule, JSON.stringify({ rules, onCall: [...onCall] })).toBe(evaluate(input, policy).decision.matchedRule);
      // Asking only the questions listed loses nothing: a condition not asked could not have decided, even if the requester were on call there.
      const everyKey = new Map(
        policy.rules.flatMap((rule) =>
          rule.match.onCall ? [[onCallKey(rule.match.onCall), onCall.get(onCallKey(rule.match.onCall)) ?? answers[0]!] as const] : [],
        ),
      );
      expect(decide({ ...base, onCall: everyKey }, policy).matchedRule).toBe(decide(input, policy).matchedRule);
    }
  });
});
