import { describe, it, expect } from 'vitest';
import { evaluate, type RuleInput } from '../../src/domain/rules.js';
import type { Decision, Policy, RequestDraft, Rule } from '../../src/domain/types.js';

// break_glass, justification policies, pending timeouts and quorum deny behaviour.

const NOW = Date.UTC(2025, 0, 1, 12);
const TICKET = { required: true, pattern: /^[A-Z]+-\d+/, hint: 'a ticket ID such as OPS-123' };

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

function input(overrides: Partial<RequestDraft> = {}, groups: string[] = []): RuleInput {
  return {
    draft: draft(overrides),
    vm: { id: 'web-1', name: 'web-1', tags: {}, ports: [] },
    requesterGroups: groups,
    now: NOW,
  };
}

const bg = (extra: Partial<Rule> = {}): Rule => ({ name: 'bg', match: { requesters: ['S0ONCALL'] }, effect: 'break_glass', ...extra });

interface Row {
  name: string;
  rules: Rule[];
  approvers?: string[];
  draft?: Partial<RequestDraft>;
  groups?: string[];
  decision: Partial<Decision>;
  /** Decision keys that must be absent. */
  absent?: (keyof Decision)[];
}

const rows: Row[] = [
  // break_glass
  {
    name: 'breakGlass_listedGroupMember_opensAtOnceWithRuleApprovers',
    rules: [bg({ approvers: ['S0SRE'], reason: 'on-call emergency access' })],
    groups: ['S0ONCALL'],
    decision: { effect: 'break_glass', approvalsNeeded: 0, approvers: ['S0SRE'], matchedRule: 'bg', reasons: ['on-call emergency access'] },
    absent: ['justificationError', 'pendingTimeoutSeconds', 'denyEndsRequest'],
  },
  {
    name: 'breakGlass_withoutRuleApprovers_policyApproversAcknowledge',
    rules: [bg()],
    groups: ['S0ONCALL'],
    decision: {
      effect: 'break_glass',
      approvers: ['U9', 'S9'],
      reasons: ['rule bg allows break-glass access: it opens at once and must be acknowledged afterwards'],
    },
  },
  {
    name: 'breakGlass_requesterNotListed_fallsThroughToNextRule',
    rules: [bg(), { name: 'prod', match: {}, effect: 'require_approval', approvals: 2 }],
    groups: ['S0OTHER'],
    decision: { effect: 'require_approval', matchedRule: 'prod', approvalsNeeded: 2 },
  },
  {
    name: 'breakGlass_emptyJustification_isAlwaysRequired',
    rules: [bg()],
    groups: ['S0ONCALL'],
    draft: { justification: '' },
    decision: { effect: 'break_glass', justificationError: 'rule bg needs a justification' },
  },
  {
    name: 'breakGlass_ruleSaysNotRequired_isStillRequired',
    rules: [bg({ justification: { required: false } })],
    groups: ['S0ONCALL'],
    draft: { justification: '   ' },
    decision: { effect: 'break_glass', justificationError: 'rule bg needs a justification' },
  },
  {
    name: 'breakGlass_withTicketPattern_mismatchNamesPatternAndHint',
    rules: [bg({ justification: TICKET })],
    groups: ['S0ONCALL'],
    draft: { justification: 'db is down' },
    decision: { effect: 'break_glass', justificationError: 'rule bg needs a justification matching ^[A-Z]+-\\d+ (a ticket ID such as OPS-123)' },
  },

  // Justification policy
  {
    name: 'justification_patternMatches_noError',
    rules: [{ name: 'prod-change', match: {}, effect: 'require_approval', justification: TICKET }],
    draft: { justification: 'OPS-123 rotate certificates' },
    decision: { effect: 'require_approval', matchedRule: 'prod-change' },
    absent: ['justificationError'],
  },
  {
    name: 'justification_patternMismatch_ruleDecisionKeptWithError',
    rules: [{ name: 'prod-change', match: {}, effect: 'require_approval', approvals: 2, justification: TICKET }],
    draft: { justification: 'rotate certificates' },
    decision: {
      effect: 'require_approval',
      approvalsNeeded: 2,
      matchedRule: 'prod-change',
      justificationError: 'rule prod-change needs a justification matching ^[A-Z]+-\\d+ (a ticket ID such as OPS-123)',
    },
  },
  {
    name: 'justification_requiredButMissing_errorWithPattern',
    rules: [{ name: 'prod-change', match: {}, effect: 'require_approval', justification: TICKET }],
    draft: { justification: '' },
    decision: { justificationError: 'rule prod-change needs a justification matching ^[A-Z]+-\\d+ (a ticket ID such as OPS-123)' },
  },
  {
    name: 'justification_requiredWithoutPattern_anyTextWillDo',
    rules: [{ name: 'r', match: {}, effect: 'approve', justification: { required: true } }],
    draft: { justification: 'x' },
    decision: { effect: 'approve' },
    absent: ['justificationError'],
  },
  {
    name: 'justification_requiredOnlyWhitespace_isMissing',
    rules: [{ name: 'r', match: {}, effect: 'approve', justification: { required: true, hint: 'say what you will change' } }],
    draft: { justification: ' \t ' },
    decision: { effect: 'approve', justificationError: 'rule r needs a justification (say what you will change)' },
  },
  {
    name: 'justification_patternIsTestedOnTheTrimmedText',
    rules: [{ name: 'r', match: {}, effect: 'approve', justification: { required: true, pattern: /^OPS-\d+$/ } }],
    draft: { justification: '  OPS-7  ' },
    decision: { effect: 'approve' },
    absent: ['justificationError'],
  },
  {
    name: 'justification_optionalWithPattern_emptyIsAccepted',
    rules: [{ name: 'r', match: {}, effect: 'approve', justification: { required: false, pattern: /^[A-Z]+-\d+/ } }],
    draft: { justification: '' },
    decision: { effect: 'approve' },
    absent: ['justificationError'],
  },
  {
    name: 'justification_optionalWithPattern_givenTextMustMatch',
    rules: [{ name: 'r', match: {}, effect: 'approve', justification: { required: false, pattern: /^[A-Z]+-\d+/ } }],
    draft: { justification: 'because' },
    decision: { effect: 'approve', justificationError: 'rule r needs a justification matching ^[A-Z]+-\\d+' },
  },
  {
    name: 'justification_onlyTheMatchedRuleCounts',
    rules: [
      { name: 'strict', match: { ports: [3389] }, effect: 'approve', justification: TICKET },
      { name: 'lenient', match: {}, effect: 'approve' },
    ],
    draft: { justification: '' },
    decision: { matchedRule: 'lenient' },
    absent: ['justificationError'],
  },
  {
    name: 'justification_noRuleMatched_defaultAsksNothing',
    rules: [],
    draft: { justification: '' },
    decision: { matchedRule: null, effect: 'require_approval' },
    absent: ['justificationError'],
  },
  {
    name: 'justification_ruleFailsClosedToDeny_noErrorToFix',
    rules: [{ name: 'prod', match: {}, effect: 'require_approval', justification: TICKET }],
    approvers: [],
    draft: { justification: '' },
    decision: { effect: 'deny', matchedRule: 'prod' },
    absent: ['justificationError', 'pendingTimeoutSeconds', 'denyEndsRequest'],
  },

  // Pending timeout and quorum deny behaviour
  {
    name: 'pendingTimeout_ruleSetsIt_decisionCarriesSeconds',
    rules: [{ name: 'prod', match: {}, effect: 'require_approval', pendingTimeoutSeconds: 3_600 }],
    decision: { effect: 'require_approval', pendingTimeoutSeconds: 3_600, denyEndsRequest: true },
  },
  {
    name: 'pendingTimeout_ruleOmitsIt_defaultsTo30Minutes',
    rules: [{ name: 'prod', match: {}, effect: 'require_approval' }],
    decision: { pendingTimeoutSeconds: 1_800 },
  },
  {
    name: 'pendingTimeout_noRuleMatched_defaultsTo30MinutesAndDenyEnds',
    rules: [],
    decision: { matchedRule: null, pendingTimeoutSeconds: 1_800, denyEndsRequest: true },
  },
  {
    name: 'pendingTimeout_approveRule_decisionHasNone',
    rules: [{ name: 'auto', match: {}, effect: 'approve' }],
    decision: { effect: 'approve' },
    absent: ['pendingTimeoutSeconds', 'denyEndsRequest'],
  },
  {
    name: 'denyEndsRequest_falseOnQuorumRule_isCarried',
    rules: [{ name: 'prod', match: {}, effect: 'require_approval', approvals: 2, denyEndsRequest: false }],
    decision: { approvalsNeeded: 2, denyEndsRequest: false },
  },
  {
    name: 'denyEndsRequest_explicitTrue_isCarried',
    rules: [{ name: 'prod', match: {}, effect: 'require_approval', denyEndsRequest: true }],
    decision: { denyEndsRequest: true },
  },

  // Order across the new effects
  {
    name: 'order_denyBeforeBreakGlass_denyWins',
    rules: [{ name: 'freeze', match: {}, effect: 'deny', reason: 'change freeze' }, bg()],
    groups: ['S0ONCALL'],
    decision: { effect: 'deny', matchedRule: 'freeze', reasons: ['change freeze'] },
  },
  {
    name: 'order_breakGlassBeforeQuorum_breakGlassWins',
    rules: [bg(), { name: 'prod', match: {}, effect: 'require_approval', approvals: 2 }],
    groups: ['S0ONCALL'],
    decision: { effect: 'break_glass', matchedRule: 'bg' },
  },
];

describe('evaluate with break-glass, justification and approval settings', () => {
  it.each(rows)('$name', (row) => {
    const policy: Policy = { vms: [], approvers: row.approvers ?? ['U9', 'S9'], rules: row.rules };
    const { decision } = evaluate(input(row.draft, row.groups), policy);
    expect(decision).toMatchObject(row.decision);
    for (const key of row.absent ?? []) expect(decision).not.toHaveProperty(key);
  });

  it('evaluation_carriesTheEffectiveJustificationPolicy', () => {
    const policy: Policy = { vms: [], approvers: ['U9'], rules: [bg({ justification: { required: false, hint: 'what broke' } })] };
    expect(evaluate(input({}, ['S0ONCALL']), policy).justification).toEqual({ required: true, hint: 'what broke' });
  });

  it('evaluation_ruleWithoutJustificationPolicy_hasNone', () => {
    const policy: Policy = { vms: [], approvers: ['U9'], rules: [{ name: 'r', match: {}, effect: 'approve' }] };
    expect(evaluate(input(), policy)).not.toHaveProperty('justification');
  });

  it('breakGlass_decisionDoesNotShareApproversWithRule', () => {
    const rule = bg({ approvers: ['S0SRE'] });
    const { decision } = evaluate(input({}, ['S0ONCALL']), { vms: [], approvers: [], rules: [rule] });
    decision.approvers.push('U666');
    expect(rule.approvers).toEqual(['S0SRE']);
  });
});
