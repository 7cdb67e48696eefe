import { describe, it, expect } from 'vitest';
import { authorize } from '../../src/domain/authorize.js';
import type { Message } from '../../src/domain/message.js';
import { type Refusal, refusal } from '../../src/domain/refusals.js';
import { approvalComplete, decide, evaluate, type RuleInput, type TraceRow } from '../../src/domain/rules.js';
import type { AccessRequest, Decision, Policy, RequestDraft, Rule, RuleMatch, VmPolicy } from '../../src/domain/types.js';
import { type RequestFields, requestOf } from '../support/request-overrides.js';

// Hand-built fixtures: the policy loader is tested on its own.
const NOW = Date.UTC(2025, 0, 1, 12);

function vm(name = 'web-1', tags: Record<string, string> = {}): VmPolicy {
  return {
    id: name,
    name,
    tags,
    ports: [
      {
        number: 22,
        protocol: 'TCP',
        anySource: true,
        allowedSourcePrefixes: [],
        maxDurationSeconds: 10_800,
        minDurationSeconds: 1,
      },
    ],
  };
}

function draft(overrides: Partial<RequestDraft> = {}): RequestDraft {
  return {
    requester: 'U1',
    vm: 'web-1',
    ports: [{ number: 22, protocol: 'TCP' }],
    source: '198.51.100.7/32',
    durationSeconds: 3_600,
    justification: 'deploy hotfix',
    ...overrides,
  };
}

function rule(name: string, match: RuleMatch, effect: Rule['effect'] = 'approve', extra: Partial<Rule> = {}): Rule {
  return { name, match, effect, ...extra };
}

function policy(rules: Rule[], approvers: string[] = ['U9', 'S9']): Policy {
  return { vms: [], approvers, rules };
}

const DEFAULT_DECISION: Decision = {
  effect: 'require_approval',
  approvalsNeeded: 1,
  approvers: ['U9', 'S9'],
  matchedRule: null,
  reasons: ['no rule matched: one approval from the default approvers'],
};

const AUTO_R: Partial<Decision> = { effect: 'approve', matchedRule: 'r', approvalsNeeded: 0, approvers: [] };

interface Row {
  name: string;
  rules: Rule[];
  approvers?: string[];
  vm?: VmPolicy;
  draft?: Partial<RequestDraft>;
  groups?: string[];
  decision: Partial<Decision>;
  trace?: TraceRow[];
}

const pass = (name: string): TraceRow => ({ rule: name, matched: true, failed: [] });
/** A sentence without people in it is one text part. */
const fail = (name: string, ...failed: (string | Message)[]): TraceRow => ({
  rule: name,
  matched: false,
  failed: failed.map((sentence) => (typeof sentence === 'string' ? [sentence] : sentence)),
});
const one = (match: RuleMatch): Rule[] => [rule('r', match)];

const rows: Row[] = [
  // Default and empty matches.
  { name: 'noRules_defaultsToOneApprovalFromDefaultApprovers', rules: [], decision: DEFAULT_DECISION, trace: [] },
  { name: 'emptyMatch_matchesEveryRequest', rules: one({}), decision: AUTO_R, trace: [pass('r')] },

  // vms
  { name: 'vms_globMatchesShortName_ruleApplies', rules: one({ vms: ['web-*'] }), decision: AUTO_R, trace: [pass('r')] },
  { name: 'vms_anyOfSeveralGlobs_ruleApplies', rules: one({ vms: ['db-*', 'web-?'] }), decision: AUTO_R },
  { name: 'vms_globIsCaseInsensitive', rules: one({ vms: ['WEB-*'] }), decision: AUTO_R },
  {
    name: 'vms_noGlobMatches_ruleFailsNamingVmAndPattern',
    rules: one({ vms: ['prod-*'] }),
    vm: vm('db-1'),
    draft: { vm: 'db-1' },
    decision: DEFAULT_DECISION,
    trace: [fail('r', 'VM db-1 does not match prod-*')],
  },
  {
    name: 'vms_severalGlobsNoneMatch_sentenceListsThemAll',
    rules: one({ vms: ['prod-*', 'db-?', 'x'] }),
    decision: DEFAULT_DECISION,
    trace: [fail('r', 'VM web-1 does not match prod-*, db-? or x')],
  },

  // tags
  { name: 'tags_equalValue_ruleApplies', rules: one({ tags: { env: 'staging' } }), vm: vm('web-1', { env: 'staging' }), decision: AUTO_R },
  { name: 'tags_starValue_anyValuePresentApplies', rules: one({ tags: { team: '*' } }), vm: vm('web-1', { team: 'payments' }), decision: AUTO_R },
  {
    name: 'tags_differentValue_ruleFailsNamingBothValues',
    rules: one({ tags: { env: 'staging' } }),
    vm: vm('web-1', { env: 'prod' }),
    decision: DEFAULT_DECISION,
    trace: [fail('r', 'VM web-1 tag env is prod, not staging')],
  },
  {
    name: 'tags_missingKey_ruleFails',
    rules: one({ tags: { env: 'staging' } }),
    decision: DEFAULT_DECISION,
    trace: [fail('r', 'VM web-1 has no tag env')],
  },
  {
    name: 'tags_starValueButKeyMissing_ruleFails',
    rules: one({ tags: { team: '*' } }),
    vm: vm('web-1', { env: 'prod' }),
    decision: DEFAULT_DECISION,
    trace: [fail('r', 'VM web-1 has no tag team')],
  },
  {
    name: 'tags_everyListedTagMustHold_oneWrongFails',
    rules: one({ tags: { env: 'staging', team: 'payments' } }),
    vm: vm('web-1', { env: 'staging', team: 'search' }),
    decision: DEFAULT_DECISION,
    trace: [fail('r', 'VM web-1 tag team is search, not payments')],
  },
  {
    name: 'tags_keyInheritedFromPrototype_doesNotCount',
    rules: one({ tags: { constructor: '*' } }),
    decision: DEFAULT_DECISION,
    trace: [fail('r', 'VM web-1 has no tag constructor')],
  },

  // ports
  {
    name: 'ports_everyRequestedPortListed_ruleApplies',
    rules: one({ ports: [22, 3389, 5985] }),
    draft: {
      ports: [
        { number: 22, protocol: 'TCP' },
        { number: 5985, protocol: 'TCP' },
      ],
    },
    decision: AUTO_R,
  },
  {
    name: 'ports_onePortOutside_ruleFailsNamingIt',
    rules: one({ ports: [22] }),
    draft: {
      ports: [
        { number: 22, protocol: 'TCP' },
        { number: 3389, protocol: 'TCP' },
      ],
    },
    decision: DEFAULT_DECISION,
    trace: [fail('r', 'port 3389 is not in [22]')],
  },
  {
    name: 'ports_severalOutside_oneSentenceListsEachOnce',
    rules: one({ ports: [22] }),
    draft: {
      ports: [
        { number: 5985, protocol: 'TCP' },
        { number: 5985, protocol: 'UDP' },
        { number: 3389, protocol: 'TCP' },
      ],
    },
    decision: DEFAULT_DECISION,
    trace: [fail('r', 'ports 5985, 3389 are not in [22]')],
  },

  // requesters
  { name: 'requesters_userListed_ruleApplies', rules: one({ requesters: ['U7', 'U1'] }), decision: AUTO_R },
  { name: 'requesters_oneOfUsersGroupsListed_ruleApplies', rules: one({ requesters: ['S1'] }), groups: ['S5', 'S1'], decision: AUTO_R },
  {
    name: 'requesters_neitherUserNorGroupListed_ruleFails',
    rules: one({ requesters: ['U2', 'S1'] }),
    groups: ['S5'],
    draft: { requester: 'U3' },
    decision: DEFAULT_DECISION,
    // People and groups stay parts, so Slack shows them as mentions.
    trace: [fail('r', ['requester is not ', { user: 'U2' }, ' or a member of ', { group: 'S1' }])],
  },

  // maxDurationSeconds
  { name: 'maxDuration_exactlyAtLimit_ruleApplies', rules: one({ maxDurationSeconds: 7_200 }), draft: { durationSeconds: 7_200 }, decision: AUTO_R },
  {
    name: 'maxDuration_longer_ruleFailsInHours',
    rules: one({ maxDurationSeconds: 7_200 }),
    draft: { durationSeconds: 14_400 },
    decision: DEFAULT_DECISION,
    trace: [fail('r', 'duration 4h is longer than 2h')],
  },

  // sources
  { name: 'sources_hostInsidePrefix_ruleApplies', rules: one({ sources: ['10.0.0.0/8', '198.51.100.0/24'] }), decision: AUTO_R },
  { name: 'sources_equalPrefix_ruleApplies', rules: one({ sources: ['198.51.100.0/24'] }), draft: { source: '198.51.100.0/24' }, decision: AUTO_R },
  { name: 'sources_ipv6InsidePrefix_ruleApplies', rules: one({ sources: ['2001:db8::/32'] }), draft: { source: '2001:db8:1::5/128' }, decision: AUTO_R },
  {
    name: 'sources_prefixOutside_ruleFails',
    rules: one({ sources: ['10.0.0.0/8'] }),
    draft: { source: '198.51.100.0/24' },
    decision: DEFAULT_DECISION,
    trace: [fail('r', 'source 198.51.100.0/24 is not inside 10.0.0.0/8')],
  },
  {
    name: 'sources_widerThanRulePrefix_ruleFails',
    rules: one({ sources: ['198.51.100.0/25'] }),
    draft: { source: '198.51.100.0/24' },
    decision: DEFAULT_DECISION,
    trace: [fail('r', 'source 198.51.100.0/24 is not inside 198.51.100.0/25')],
  },
  {
    name: 'sources_otherFamily_ruleFails',
    rules: one({ sources: ['0.0.0.0/0'] }),
    draft: { source: '2001:db8::1/128' },
    decision: DEFAULT_DECISION,
    trace: [fail('r', 'source 2001:db8::1/128 is not inside 0.0.0.0/0')],
  },
  { name: 'sources_anySourceWithIpv4WholeFamily_ruleApplies', rules: one({ sources: ['0.0.0.0/0'] }), draft: { source: '*' }, decision: AUTO_R },
  { name: 'sources_anySourceWithIpv6WholeFamily_ruleApplies', rules: one({ sources: ['::/0'] }), draft: { source: '*' }, decision: AUTO_R },
  {
    name: 'sources_anySourceWithNarrowPrefix_ruleFails',
    rules: one({ sources: ['10.0.0.0/8'] }),
    draft: { source: '*' },
    decision: DEFAULT_DECISION,
    trace: [fail('r', 'source * (any) is not inside 10.0.0.0/8: only 0.0.0.0/0 or ::/0 covers any source')],
  },
  {
    name: 'sources_unparseableRuleEntry_containsNothing',
    rules: one({ sources: ['198.51.100.0/99'] }),
    decision: DEFAULT_DECISION,
    trace: [fail('r', 'source 198.51.100.7/32 is not inside 198.51.100.0/99')],
  },

  // Order and trace.
  {
    name: 'order_firstMatchWins_denyBeforeApprove',
    rules: [rule('no-prod', { vms: ['web-*'] }, 'deny'), rule('everyone', {}, 'approve')],
    decision: { effect: 'deny', matchedRule: 'no-prod', reasons: ['rule no-prod denies the request'], approvers: [] },
    trace: [pass('no-prod')],
  },
  {
    name: 'order_laterRuleAppliesWhenEarlierFails_traceShowsBoth',
    rules: [rule('db-only', { vms: ['db-*'] }, 'deny'), rule('web', { vms: ['web-*'] }, 'approve')],
    decision: { effect: 'approve', matchedRule: 'web', reasons: ['rule web approves automatically'] },
    trace: [fail('db-only', 'VM web-1 does not match db-*'), pass('web')],
  },
  {
    name: 'trace_stopsAtFirstMatch_laterRulesNotListed',
    rules: [rule('a', { ports: [3389] }), rule('b', {}, 'deny'), rule('c', {})],
    decision: { effect: 'deny', matchedRule: 'b' },
    trace: [fail('a', 'port 22 is not in [3389]'), pass('b')],
  },
  {
    name: 'trace_listsEveryFailedConditionOfARule_inConditionOrder',
    rules: [
      rule('strict', {
        vms: ['prod-*'],
        tags: { env: 'prod' },
        ports: [3389],
        requesters: ['U2'],
        maxDurationSeconds: 1_800,
        sources: ['10.0.0.0/8'],
      }),
    ],
    decision: DEFAULT_DECISION,
    trace: [
      fail(
        'strict',
        'VM web-1 does not match prod-*',
        'VM web-1 has no tag env',
        'port 22 is not in [3389]',
        ['requester is not ', { user: 'U2' }],
        'duration 1h is longer than 30m',
        'source 198.51.100.7/32 is not inside 10.0.0.0/8',
      ),
    ],
  },
  {
    name: 'trace_noRuleMatches_oneRowPerRule',
    rules: [rule('a', { vms: ['a'] }), rule('b', { vms: ['b'] })],
    decision: DEFAULT_DECISION,
    trace: [fail('a', 'VM web-1 does not match a'), fail('b', 'VM web-1 does not match b')],
  },

  // Decisions.
  {
    name: 'requireApproval_withoutOverrides_oneApprovalFromPolicyApprovers',
    rules: [rule('prod', {}, 'require_approval')],
    decision: { effect: 'require_approval', approvalsNeeded: 1, approvers: ['U9', 'S9'], matchedRule: 'prod', reasons: ['rule prod requires 1 approval'] },
  },
  {
    name: 'requireApproval_ruleOverridesCountAndApprovers',
    rules: [rule('prod', {}, 'require_approval', { approvals: 2, approvers: ['S4'] })],
    decision: { effect: 'require_approval', approvalsNeeded: 2, approvers: ['S4'], reasons: ['rule prod requires 2 approvals'] },
  },
  {
    name: 'requireApproval_zeroApprovals_stillNeedsOne',
    rules: [rule('prod', {}, 'require_approval', { approvals: 0 })],
    decision: { effect: 'require_approval', approvalsNeeded: 1 },
  },
  {
    name: 'ruleReason_replacesGeneratedSentence',
    rules: [rule('night', {}, 'deny', { reason: 'no access during the freeze' })],
    decision: { effect: 'deny', reasons: ['no access during the freeze'] },
  },
  {
    name: 'approve_ignoresRuleApproversAndCount',
    rules: [rule('auto', {}, 'approve', { approvals: 3, approvers: ['U5'] })],
    approvers: [],
    decision: { effect: 'approve', approvalsNeeded: 0, approvers: [], matchedRule: 'auto' },
  },
  {
    name: 'requireApproval_noApproversAnywhere_becomesDenyExplainingFix',
    rules: [rule('prod', {}, 'require_approval')],
    approvers: [],
    decision: {
      effect: 'deny',
      approvalsNeeded: 0,
      approvers: [],
      matchedRule: 'prod',
      reasons: ['rule prod requires approval but no approvers are configured: add `approvers` to the policy or to rule prod'],
    },
  },
  {
    name: 'requireApproval_ruleListsEmptyApprovers_becomesDeny',
    rules: [rule('prod', {}, 'require_approval', { approvers: [] })],
    decision: { effect: 'deny', matchedRule: 'prod' },
  },
  {
    name: 'default_noApproversConfigured_becomesDenyExplainingFix',
    rules: [],
    approvers: [],
    decision: {
      effect: 'deny',
      approvalsNeeded: 0,
      approvers: [],
      matchedRule: null,
      reasons: ['no rule matched but no approvers are configured: add `approvers` to the policy'],
    },
  },
];

describe('evaluate', () => {
  it.each(rows)('$name', (row) => {
    const input: RuleInput = {
      draft: draft(row.draft),
      vm: row.vm ?? vm(),
      requesterGroups: row.groups ?? [],
      now: NOW,
    };
    const result = evaluate(input, policy(row.rules, row.approvers));
    expect(result.decision).toMatchObject(row.decision);
    if (row.trace) expect(result.trace).toEqual(row.trace);
  });

  it('decide_returnsTheDecisionOfEvaluate', () => {
    const input: RuleInput = { draft: draft(), vm: vm(), requesterGroups: [], now: NOW };
    const p = policy([rule('a', { ports: [3389] }), rule('b', {}, 'require_approval', { approvals: 2 })]);
    expect(decide(input, p)).toEqual(evaluate(input, p).decision);
  });

  it('decision_doesNotShareApproverArrayWithPolicy', () => {
    const p = policy([]);
    const decision = decide({ draft: draft(), vm: vm(), requesterGroups: [], now: NOW }, p);
    decision.approvers.push('U666');
    expect(p.approvers).toEqual(['U9', 'S9']);
  });
});

function request(overrides: RequestFields = {}): AccessRequest {
  return requestOf({
    ...draft(),
    id: 'ab23cd',
    state: 'pending',
    version: 1,
    createdAt: NOW,
    decision: {
      effect: 'require_approval',
      approvalsNeeded: 2,
      approvers: ['U2', 'U3', 'S1'],
      matchedRule: 'prod',
      reasons: ['rule prod requires 2 approvals'],
    },
    approvals: [],
    ...overrides,
  });
}

// Who may approve is authorize()'s answer (domain/authorize.ts, tested in full in
// authorize.test.ts); these rows keep the cases this file always checked.
describe('approve rights', () => {
  const policy = { vms: [], approvers: ['U2', 'U3', 'S1'], rules: [] };
  const cases: { name: string; user: string; groups: string[]; request: AccessRequest; refusal?: Refusal }[] = [
    { name: 'listedUser_onPendingRequest_mayApprove', user: 'U2', groups: [], request: request() },
    { name: 'memberOfListedGroup_mayApprove', user: 'U7', groups: ['S8', 'S1'], request: request() },
    {
      name: 'secondListedUser_afterAnotherApproved_mayApprove',
      user: 'U3',
      groups: [],
      request: request({ approvals: ['U2'] }),
    },
    {
      name: 'requester_evenWhenListed_isRefused',
      user: 'U1',
      groups: ['S1'],
      request: request({ decision: { ...request().decision, approvers: ['U1', 'S1'] } }),
      refusal: refusal('approve_own_request', { id: 'ab23cd' }),
    },
    {
      name: 'unlistedUser_isRefusedWithApproverList',
      user: 'U7',
      groups: ['S8'],
      request: request(),
      refusal: refusal('approve_not_request_approver', { id: 'ab23cd', approvers: ['U2', 'U3', 'S1'] }),
    },
    {
      name: 'userWhoAlreadyApproved_isRefused',
      user: 'U2',
      groups: [],
      request: request({ approvals: ['U2'] }),
      refusal: refusal('approve_already_approved', { id: 'ab23cd' }),
    },
    {
      name: 'approvedRequest_isRefusedNamingState',
      user: 'U2',
      groups: [],
      request: request({ state: 'approved' }),
      refusal: refusal('already_decided', { id: 'ab23cd', state: 'approved' }),
    },
    {
      name: 'cancelledRequest_isRefused',
      user: 'U2',
      groups: [],
      request: request({ state: 'cancelled' }),
      refusal: refusal('already_decided', { id: 'ab23cd', state: 'cancelled' }),
    },
    {
      name: 'requestWithNoApprovers_refusesEveryone',
      user: 'U2',
      groups: ['S1'],
      request: request({ decision: { ...request().decision, approvers: [] } }),
      refusal: refusal('approve_not_request_approver', { id: 'ab23cd', approvers: [] }),
    },
  ];
  it.each(cases)('$name', ({ user, groups, request: req, refusal: refused }) => {
    const expected = refused === undefined ? { ok: true } : { ok: false, refusal: refused };
    expect(authorize({ user, groups }, 'approve', req, { policy })).toEqual(expected);
  });
});

describe('approvalComplete', () => {
  const cases: { name: string; needed: number; approvals: string[]; expected: boolean }[] = [
    { name: 'noApprovalsYet_isIncomplete', needed: 1, approvals: [], expected: false },
    { name: 'oneOfOne_isComplete', needed: 1, approvals: ['U2'], expected: true },
    { name: 'oneOfTwo_isIncomplete', needed: 2, approvals: ['U2'], expected: false },
    { name: 'twoDistinctOfTwo_isComplete', needed: 2, approvals: ['U2', 'U3'], expected: true },
    { name: 'samePersonTwice_countsOnce', needed: 2, approvals: ['U2', 'U2'], expected: false },
    { name: 'moreThanNeeded_isComplete', needed: 1, approvals: ['U2', 'U3'], expected: true },
  ];
  it.each(cases)('$name', ({ needed, approvals, expected }) => {
    const req = request({ approvals, decision: { ...request().decision, approvalsNeeded: needed } });
    expect(approvalComplete(req)).toBe(expected);
  });
});
