import { describe, it, expect } from 'vitest';
import { explainLines } from '../../src/domain/explain.js';
import { plainText } from '../../src/domain/message.js';
import { evaluate, type RuleInput } from '../../src/domain/rules.js';
import type { Policy, Rule } from '../../src/domain/types.js';

// What `/jit explain` shows: computed from a real evaluation, never stored.

const NOW = Date.parse('2025-01-04T13:05:00Z'); // Sat 14:05 in Paris

const INPUT: RuleInput = {
  draft: {
    requester: 'U1',
    vm: 'web-1',
    ports: [{ number: 22, protocol: 'TCP' }],
    source: '198.51.100.7/32',
    durationSeconds: 3_600,
    // `/jit explain` has no justification.
    justification: '',
  },
  vm: { id: 'web-1', name: 'web-1', tags: { env: 'prod' }, ports: [] },
  requesterGroups: ['S0ONCALL'],
  now: NOW,
};

const OFFICE: Rule = {
  name: 'office',
  match: { weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: { from: 540, to: 1_080 }, timezone: 'Europe/Paris' },
  effect: 'approve',
};
const RDP: Rule = { name: 'rdp', match: { ports: [3389], vms: ['win-*'] }, effect: 'approve' };

const rows: { name: string; rules: Rule[]; approvers?: string[]; lines: string[] }[] = [
  {
    name: 'quorumRule_afterTwoMisses_showsDecisionWaitingAndEachMiss',
    rules: [OFFICE, RDP, { name: 'prod', match: { tags: { env: 'prod' } }, effect: 'require_approval', approvals: 2, approvers: ['S0SRE'] }],
    lines: [
      'Decision: needs 2 approvals from a member of S0SRE (rule prod)',
      'Waits up to 30m for approvals; one Deny ends it.',
      'rule office did not match: Sat 14:05 Europe/Paris is outside mon–fri 09:00–18:00',
      'rule rdp did not match: VM web-1 does not match win-*; port 22 is not in [3389]',
    ],
  },
  {
    name: 'quorumRuleWithReasonTimeoutAndDenyKept_showsThemAll',
    rules: [
      {
        name: 'prod',
        match: {},
        effect: 'require_approval',
        reason: 'Production needs a second pair of eyes.',
        pendingTimeoutSeconds: 7_200,
        denyEndsRequest: false,
      },
    ],
    lines: [
      'Decision: needs 1 approval from U9 or a member of S9 (rule prod): Production needs a second pair of eyes.',
      'Waits up to 2h for approvals; a Deny is recorded but does not end it.',
    ],
  },
  {
    name: 'approveRule_showsReason',
    rules: [{ name: 'staging-oncall', match: { requesters: ['S0ONCALL'] }, effect: 'approve', reason: 'on-call engineers get staging at once' }],
    lines: ['Decision: approved at once (rule staging-oncall): on-call engineers get staging at once'],
  },
  {
    name: 'denyRule_showsReason',
    rules: [{ name: 'freeze', match: {}, effect: 'deny', reason: 'change freeze until Monday' }],
    lines: ['Decision: denied (rule freeze): change freeze until Monday'],
  },
  {
    name: 'breakGlassRule_showsWhoAcknowledgesAndTheJustificationRequirement',
    rules: [{ name: 'bg', match: { requesters: ['S0ONCALL'] }, effect: 'break_glass', approvers: ['S0SRE'], reason: 'emergency access' }],
    lines: [
      'Decision: break-glass, opens at once and a member of S0SRE must acknowledge it afterwards (rule bg): emergency access',
      'Justification: required.',
    ],
  },
  {
    name: 'ruleWithTicketPattern_showsPatternAndHint',
    rules: [
      {
        name: 'prod-change',
        match: {},
        effect: 'require_approval',
        justification: { required: true, pattern: /^[A-Z]+-\d+/, hint: 'a ticket ID such as OPS-123' },
      },
    ],
    lines: [
      'Decision: needs 1 approval from U9 or a member of S9 (rule prod-change)',
      'Waits up to 30m for approvals; one Deny ends it.',
      'Justification: required, matching ^[A-Z]+-\\d+ (a ticket ID such as OPS-123).',
    ],
  },
  {
    name: 'optionalPattern_saysAGivenOneMustMatch',
    rules: [{ name: 'r', match: {}, effect: 'approve', reason: 'ok', justification: { required: false, pattern: /^OPS-\d+/ } }],
    lines: ['Decision: approved at once (rule r): ok', 'Justification: optional, but one given must match ^OPS-\\d+.'],
  },
  {
    name: 'noRuleMatched_showsDefaultAndEveryMiss',
    rules: [OFFICE, RDP],
    lines: [
      'Decision: needs 1 approval from U9 or a member of S9 (no rule matched)',
      'Waits up to 30m for approvals; one Deny ends it.',
      'rule office did not match: Sat 14:05 Europe/Paris is outside mon–fri 09:00–18:00',
      'rule rdp did not match: VM web-1 does not match win-*; port 22 is not in [3389]',
    ],
  },
  {
    name: 'noRuleMatchedAndNoApprovers_showsTheDenialAndFix',
    rules: [],
    approvers: [],
    lines: ['Decision: denied (no rule matched): no rule matched but no approvers are configured: add `approvers` to the policy'],
  },
];

describe('explainLines', () => {
  it.each(rows)('$name', ({ rules, approvers, lines }) => {
    const policy: Policy = { vms: [], approvers: approvers ?? ['U9', 'S9'], rules };
    expect(explainLines(evaluate(INPUT, policy)).map(plainText)).toEqual(lines);
  });

  it('explainLines_approversAndRequesters_areMentionParts', () => {
    const rules: Rule[] = [
      { name: 'leads', match: { requesters: ['U0LEAD', 'S0LEADS'] }, effect: 'approve' },
      { name: 'prod', match: {}, effect: 'require_approval', approvers: ['U0ALICE', 'S0SRE'] },
    ];
    const [decision, , miss] = explainLines(evaluate(INPUT, { vms: [], approvers: ['U9'], rules }));
    expect(decision).toEqual(['Decision: needs 1 approval from ', { user: 'U0ALICE' }, ' or a member of ', { group: 'S0SRE' }, ' (rule prod)']);
    expect(miss).toEqual(['rule leads did not match: requester is not ', { user: 'U0LEAD' }, ' or a member of ', { group: 'S0LEADS' }]);
  });
});
