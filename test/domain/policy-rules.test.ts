import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { compilePattern, hasNestedRepeat } from '../../src/domain/justification.js';
import { formatPolicyProblems, parsePolicy, parsePolicyDocument, type PolicyProblem } from '../../src/domain/policy/parse.js';
import type { Rule } from '../../src/domain/types.js';

// The rule fields of issue 4: time windows, break_glass, justification policies,
// pending timeouts and quorum deny behaviour. The other fields: policy.test.ts.

const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`../fixtures/policies/${name}`, import.meta.url)), 'utf8');

const VM = { id: 'web1', ports: [{ number: 22, protocol: 'TCP', allowedSourceAddressPrefix: '*', maxRequestAccessDuration: 'PT3H' }] };
const rule = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ name: 'r', effect: 'approve', ...over });
const quorum = (over: Record<string, unknown> = {}): Record<string, unknown> => rule({ effect: 'require_approval', ...over });
const glass = (over: Record<string, unknown> = {}): Record<string, unknown> => rule({ effect: 'break_glass', match: { requesters: ['S0ONCALL'] }, ...over });
const policy = (rules: unknown[], approvers: unknown = ['U0ADMIN1']): Record<string, unknown> => ({ approvers, virtualMachines: [VM], rules });

function problemsOf(document: unknown): PolicyProblem[] {
  const result = parsePolicy(JSON.stringify(document), 'json');
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.problems;
}

function rulesOf(document: unknown): Rule[] {
  const result = parsePolicyDocument(document);
  if (!result.ok) throw new Error(formatPolicyProblems(result.problems));
  return result.policy.rules;
}

describe('parsePolicy reads the new rule fields', () => {
  it('featuresYaml_everyNewFieldIsConverted', () => {
    const result = parsePolicy(fixture('rules-features.yaml'), 'yaml');
    if (!result.ok) throw new Error(formatPolicyProblems(result.problems));
    expect(result.policy.rules).toEqual([
      { name: 'freeze', match: { weekdays: ['sat', 'sun'], timezone: 'Europe/Paris' }, effect: 'deny', reason: 'No production changes at the weekend.' },
      {
        name: 'break-glass',
        match: { requesters: ['S0ONCALL'] },
        effect: 'break_glass',
        approvers: ['S0SRETEAM'],
        justification: { required: true, hint: 'say what is broken' },
      },
      {
        name: 'office-hours',
        match: { hours: { from: 540, to: 1_080 }, weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], timezone: 'Europe/Paris', requesters: ['S0DEVS'] },
        effect: 'approve',
        justification: { required: false, pattern: /^[A-Z]+-\d+/ },
      },
      {
        name: 'night-shift',
        match: { hours: { from: 1_320, to: 360 } },
        effect: 'require_approval',
        approvals: 2,
        pendingTimeoutSeconds: 7_200,
        denyEndsRequest: false,
        justification: { required: true, pattern: /^[A-Z]+-\d+/, hint: 'a ticket ID such as OPS-123' },
      },
    ]);
  });

  const accepted: [behaviour: string, rule: Record<string, unknown>, expected: Partial<Rule>][] = [
    ['hoursWithSpacesAndEndOfDay_areAccepted', rule({ match: { hours: ' 18:30 - 24:00 ' } }), { match: { hours: { from: 1_110, to: 1_440 } } }],
    ['weekdaysRepeated_areKeptOnce', rule({ match: { weekdays: ['Mon', 'mon', 'TUE'] } }), { match: { weekdays: ['mon', 'tue'] } }],
    ['timezoneUtc_isAccepted', rule({ match: { hours: '09:00-17:00', timezone: 'UTC' } }), { match: { hours: { from: 540, to: 1_020 }, timezone: 'UTC' } }],
    ['pendingTimeoutIso_isAccepted', quorum({ pendingTimeout: 'PT45M' }), { pendingTimeoutSeconds: 2_700 }],
    ['pendingTimeoutAtBothLimits_isAccepted', quorum({ pendingTimeout: '7d' }), { pendingTimeoutSeconds: 604_800 }],
    ['pendingTimeoutOneMinute_isAccepted', quorum({ pendingTimeout: '1m' }), { pendingTimeoutSeconds: 60 }],
    ['denyEndsRequestTrue_isKept', quorum({ denyEndsRequest: true }), { denyEndsRequest: true }],
    [
      'justificationPatternOnly_isRequiredByDefault',
      rule({ justification: { pattern: 'OPS-\\d+' } }),
      { justification: { required: true, pattern: /OPS-\d+/ } },
    ],
    ['breakGlassUsingRootApprovers_isAccepted', glass(), { effect: 'break_glass', match: { requesters: ['S0ONCALL'] } }],
  ];
  it.each(accepted)('%s', (_behaviour, input, expected) => {
    expect(rulesOf(policy([input]))[0]).toMatchObject(expected);
  });

  it('ruleWithoutNewFields_hasNoNewKeys', () => {
    expect(rulesOf(policy([rule()]))[0]).toEqual({ name: 'r', match: {}, effect: 'approve' });
  });
});

describe('parsePolicy reports problems of the new rule fields at their paths', () => {
  const rows: [behaviour: string, document: unknown, expected: [path: string, message: string][]][] = [
    // Time windows
    [
      'hoursImpossibleTime_isRefused',
      policy([rule({ match: { hours: '25:00-26:00' } })]),
      [['rules[0].match.hours', '`25:00-26:00` has an impossible time 25:00: use 00:00 to 23:59']],
    ],
    [
      'hoursNotARange_isRefused',
      policy([rule({ match: { hours: '9 to 5' } })]),
      [['rules[0].match.hours', '`9 to 5` is not a time range: write from-to in 24-hour time, such as 09:00-18:00']],
    ],
    ['hoursNumber_isRefused', policy([rule({ match: { hours: 900 } })]), [['rules[0].match.hours', 'expected a time range such as 09:00-18:00, got 900']]],
    ['hoursEmptyWindow_isRefused', policy([rule({ match: { hours: '08:00-08:00' } })]), [['rules[0].match.hours', 'starts and ends at the same time']]],
    [
      'weekdayUnknown_pointsAtTheEntry',
      policy([rule({ match: { weekdays: ['mon', 'funday'] } })]),
      [['rules[0].match.weekdays[1]', 'expected a three-letter weekday (mon, tue, wed, thu, fri, sat, sun), got `funday`']],
    ],
    ['weekdayFullName_suggestsTheShortOne', policy([rule({ match: { weekdays: ['Monday'] } })]), [['rules[0].match.weekdays[0]', 'got `Monday`: write mon']]],
    ['weekdaysEmpty_matchesNothing', policy([rule({ match: { weekdays: [] } })]), [['rules[0].match.weekdays', 'an empty list matches nothing']]],
    [
      'weekdaysNotAList_isRefused',
      policy([rule({ match: { weekdays: 'mon-fri' } })]),
      [['rules[0].match.weekdays', 'expected a list of three-letter weekdays']],
    ],
    [
      'timezoneUnknown_isRefused',
      policy([rule({ match: { hours: '09:00-17:00', timezone: 'Europe/Pariss' } })]),
      [['rules[0].match.timezone', '`Europe/Pariss` is not an IANA time zone: use a name such as Europe/Paris']],
    ],
    [
      'timezoneAlone_changesNothing',
      policy([rule({ match: { timezone: 'Europe/Paris' } })]),
      [['rules[0].match.timezone', 'a time zone alone changes nothing: add hours or weekdays']],
    ],
    [
      'matchUnknownKey_listsTheNewKeys',
      policy([rule({ match: { weekday: ['mon'] } })]),
      [
        [
          'rules[0].match.weekday',
          'unknown key (did you mean `weekdays`?): allowed keys are vms, tags, ports, requesters, maxDuration, sources, hours, weekdays, timezone',
        ],
      ],
    ],
    // Justification
    [
      'patternInvalid_isRefused',
      policy([rule({ justification: { pattern: '^[A-Z+' } })]),
      [['rules[0].justification.pattern', 'not a valid regular expression: /^[A-Z+/: Unterminated character class']],
    ],
    [
      'patternNestedRepeat_isRefusedAsDangerous',
      policy([rule({ justification: { pattern: '^(a+)+$' } })]),
      [['rules[0].justification.pattern', 'the pattern repeats a group that itself repeats, such as (a+)+']],
    ],
    [
      'patternTooLong_isRefused',
      policy([rule({ justification: { pattern: 'a'.repeat(201) } })]),
      [['rules[0].justification.pattern', 'the pattern is 201 characters long: shorten it to 200 or fewer']],
    ],
    ['patternEmpty_isRefused', policy([rule({ justification: { pattern: '' } })]), [['rules[0].justification.pattern', 'the pattern is empty']]],
    [
      'justificationRequiredNotBoolean_isRefused',
      policy([rule({ justification: { required: 'yes' } })]),
      [['rules[0].justification.required', 'expected true or false, got `yes`']],
    ],
    [
      'justificationUnknownKey_isRefused',
      policy([rule({ justification: { regex: 'x' } })]),
      [['rules[0].justification.regex', 'unknown key: allowed keys are required, pattern, hint']],
    ],
    ['justificationNotAnObject_isRefused', policy([rule({ justification: true })]), [['rules[0].justification', 'expected a justification object such as']]],
    [
      'justificationOnADenyRule_isRefused',
      policy([rule({ effect: 'deny', justification: { required: true } })]),
      [
        [
          'rules[0].justification',
          "only approve, require_approval and break_glass rules use justification, and this rule's effect is deny: remove justification",
        ],
      ],
    ],
    // Pending timeout and deny behaviour
    [
      'pendingTimeoutTooShort_isRefused',
      policy([quorum({ pendingTimeout: '30s' })]),
      [['rules[0].pendingTimeout', '30s is shorter than 1m: a request waits for approvals from 1m to 7d']],
    ],
    ['pendingTimeoutTooLong_isRefused', policy([quorum({ pendingTimeout: '8d' })]), [['rules[0].pendingTimeout', '8d is longer than 7d']]],
    ['pendingTimeoutGarbage_isRefused', policy([quorum({ pendingTimeout: 'soon' })]), [['rules[0].pendingTimeout', '`soon` is not a duration']]],
    [
      'pendingTimeoutOnAnApproveRule_isRefused',
      policy([rule({ pendingTimeout: '30m' })]),
      [
        [
          'rules[0].pendingTimeout',
          "only a require_approval rule uses pendingTimeout, and this rule's effect is approve: remove pendingTimeout, or set effect: require_approval",
        ],
      ],
    ],
    ['denyEndsRequestNotBoolean_isRefused', policy([quorum({ denyEndsRequest: 'no' })]), [['rules[0].denyEndsRequest', 'expected true or false, got `no`']]],
    [
      'denyEndsRequestOnADenyRule_isRefused',
      policy([rule({ effect: 'deny', denyEndsRequest: false })]),
      [['rules[0].denyEndsRequest', "only a require_approval rule uses denyEndsRequest, and this rule's effect is deny"]],
    ],
    // break_glass
    [
      'approvalsOnBreakGlass_isRefused',
      policy([glass({ approvals: 2 })]),
      [['rules[0].approvals', "only a require_approval rule uses approvals, and this rule's effect is break_glass"]],
    ],
    [
      'denyEndsRequestOnBreakGlass_isRefused',
      policy([glass({ denyEndsRequest: false })]),
      [['rules[0].denyEndsRequest', "only a require_approval rule uses denyEndsRequest, and this rule's effect is break_glass"]],
    ],
    [
      'breakGlassWithoutRequesters_mustNameWhoMayUseIt',
      policy([rule({ effect: 'break_glass' })]),
      [['rules[0].match.requesters', 'missing: a break_glass rule must name who may break glass']],
    ],
    [
      'breakGlassJustificationNotRequired_isRefused',
      policy([glass({ justification: { required: false } })]),
      [['rules[0].justification.required', 'a break_glass rule always requires a justification: remove `required: false`']],
    ],
    [
      'breakGlassWithNobodyToAcknowledge_isRefused',
      policy([glass()], []),
      [['rules[0].approvers', 'missing: nobody would acknowledge this break-glass access: add approvers to the rule or to the policy']],
    ],
    [
      'unknownEffect_listsBreakGlass',
      policy([rule({ effect: 'breakglass' })]),
      [['rules[0].effect', 'expected approve, deny, require_approval or break_glass, got `breakglass`']],
    ],
    // Every problem at once.
    [
      'severalBadFields_areAllReportedInOrder',
      policy([
        rule({ match: { hours: '25:00-26:00', weekdays: ['xyz'], timezone: 'Nowhere/Land' }, justification: { pattern: '(' } }),
        quorum({ name: 'q', pendingTimeout: '0m' }),
      ]),
      [
        ['rules[0].justification.pattern', 'not a valid regular expression'],
        ['rules[0].match.hours', 'impossible time 25:00'],
        ['rules[0].match.timezone', 'is not an IANA time zone'],
        ['rules[0].match.weekdays[0]', 'got `xyz`'],
        ['rules[1].pendingTimeout', '`0m` is zero'],
      ],
    ],
  ];
  it.each(rows)('%s', (_behaviour, document, expected) => {
    const problems = problemsOf(document);
    expect(problems.map((p) => p.path)).toEqual(expected.map(([path]) => path));
    expected.forEach(([, message], index) => expect(problems[index]?.message).toContain(message));
  });
});

describe('compilePattern', () => {
  const dangerous = ['(a+)+', '(a*)*', '(?:\\d+)+$', '(x+?)*', '(ab{1,})+', '(a+){2,}'];
  it.each(dangerous)('%s_isRefusedAsNestedRepeat', (source) => {
    expect(hasNestedRepeat(source)).toBe(true);
    expect(compilePattern(source).ok).toBe(false);
  });

  const safe = ['^[A-Z]+-\\d+', '^(OPS|SEC)-\\d+$', '(a\\+)+', '([+*])+', '(ab){2}', '^[\\w.]+$'];
  // The check is syntactic: it also refuses a nested repeat that could not blow up.
  it('harmlessNestedRepeat_isRefusedToo', () => expect(hasNestedRepeat('^\\w+(\\.\\w+)*$')).toBe(true));

  it.each(safe)('%s_isAccepted', (source) => {
    expect(hasNestedRepeat(source)).toBe(false);
    expect(compilePattern(source)).toEqual({ ok: true, pattern: new RegExp(source) });
  });
});
