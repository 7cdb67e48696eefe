// The rule engine: which rule a request matches and what that means (STYLE.md §4:
// decisions are data). Pure: time and inputs come in, a Decision and a trace come out.
// The trace says, for every rule tried, why it did not match, so `/jit` can explain
// a decision and the audit trail can show it.

import { cidrContains, isWholeFamily, parseCidr, type Cidr } from './cidr.js';
import { formatDuration } from './duration.js';
import { matchGlob } from './glob.js';
import type { AccessRequest, Decision, Policy, RequestDraft, Rule, RuleMatch, VmPolicy } from './types.js';

export interface RuleInput {
  draft: RequestDraft;
  vm: VmPolicy;
  requesterGroups: string[];
  /** Epoch ms; no condition reads it yet, but rules with time windows will. */
  now: number;
}

export interface TraceRow {
  rule: string;
  matched: boolean;
  /** One sentence per condition that did not hold; empty when matched. */
  failed: string[];
}

export interface Evaluation {
  decision: Decision;
  /** One row per rule tried, in order, up to and including the first match. */
  trace: TraceRow[];
}

export type ApprovalCheck = { ok: true } | { ok: false; reason: string };

/** First matching rule wins; no match falls back to one approval from the default approvers. */
export function evaluate(input: RuleInput, policy: Policy): Evaluation {
  const trace: TraceRow[] = [];
  for (const rule of policy.rules) {
    const failed = failedConditions(rule.match, input);
    const matched = failed.length === 0;
    trace.push({ rule: rule.name, matched, failed });
    if (matched) return { decision: decisionFor(rule, policy), trace };
  }
  const fallback: Decision = {
    effect: 'require_approval',
    approvalsNeeded: 1,
    approvers: [...policy.approvers],
    matchedRule: null,
    reasons: ['no rule matched: one approval from the default approvers'],
  };
  return { decision: failClosedWithoutApprovers(fallback), trace };
}

export function decide(input: RuleInput, policy: Policy): Decision {
  return evaluate(input, policy).decision;
}

function decisionFor(rule: Rule, policy: Policy): Decision {
  const needsApproval = rule.effect === 'require_approval';
  // At least 1: a require_approval rule with `approvals: 0` would be an approve in disguise.
  const approvalsNeeded = needsApproval ? Math.max(1, rule.approvals ?? 1) : 0;
  return failClosedWithoutApprovers({
    effect: rule.effect,
    approvalsNeeded,
    approvers: needsApproval ? [...(rule.approvers ?? policy.approvers)] : [],
    matchedRule: rule.name,
    reasons: [rule.reason ?? generatedReason(rule, approvalsNeeded)],
  });
}

function generatedReason(rule: Rule, approvalsNeeded: number): string {
  switch (rule.effect) {
    case 'approve':
      return `rule ${rule.name} approves automatically`;
    case 'deny':
      return `rule ${rule.name} denies the request`;
    case 'require_approval':
      return `rule ${rule.name} requires ${plural(approvalsNeeded, 'approval')}`;
  }
}

// A request nobody may approve would sit pending until it times out; say so now instead.
function failClosedWithoutApprovers(decision: Decision): Decision {
  if (decision.effect !== 'require_approval' || decision.approvers.length > 0) return decision;
  const where = decision.matchedRule === null ? 'no rule matched' : `rule ${decision.matchedRule} requires approval`;
  const fix =
    decision.matchedRule === null
      ? 'add `approvers` to the policy'
      : `add \`approvers\` to the policy or to rule ${decision.matchedRule}`;
  return {
    ...decision,
    effect: 'deny',
    approvalsNeeded: 0,
    reasons: [`${where} but no approvers are configured: ${fix}`],
  };
}

/** Every condition of `match` that does not hold, as a sentence; absent conditions hold. */
function failedConditions(match: RuleMatch, input: RuleInput): string[] {
  const { draft, vm, requesterGroups } = input;
  const failed: string[] = [];

  if (match.vms !== undefined && !match.vms.some((pattern) => matchGlob(pattern, vm.name))) {
    failed.push(`VM ${vm.name} does not match ${orList(match.vms)}`);
  }

  for (const [key, want] of Object.entries(match.tags ?? {})) {
    const have = Object.hasOwn(vm.tags, key) ? vm.tags[key] : undefined;
    if (have === undefined) failed.push(`VM ${vm.name} has no tag ${key}`);
    else if (want !== '*' && have !== want) failed.push(`VM ${vm.name} tag ${key} is ${have}, not ${want}`);
  }

  if (match.ports !== undefined) {
    const allowed = match.ports;
    const outside = [...new Set(draft.ports.map((port) => port.number))].filter((n) => !allowed.includes(n));
    if (outside.length === 1) failed.push(`port ${outside[0]} is not in [${allowed.join(', ')}]`);
    if (outside.length > 1) failed.push(`ports ${outside.join(', ')} are not in [${allowed.join(', ')}]`);
  }

  if (match.requesters !== undefined) {
    const listed = match.requesters;
    if (!listed.includes(draft.requester) && !requesterGroups.some((group) => listed.includes(group))) {
      failed.push(`requester is not ${describePrincipals(listed)}`);
    }
  }

  if (match.maxDurationSeconds !== undefined && draft.durationSeconds > match.maxDurationSeconds) {
    failed.push(
      `duration ${formatDuration(draft.durationSeconds)} is longer than ${formatDuration(match.maxDurationSeconds)}`,
    );
  }

  if (match.sources !== undefined) {
    const problem = sourceProblem(draft.source, match.sources);
    if (problem !== undefined) failed.push(problem);
  }

  return failed;
}

function sourceProblem(source: string, ruleSources: string[]): string | undefined {
  // Unparseable rule entries contain nothing: a typo must not widen a rule.
  const prefixes = ruleSources.map(parseCidr).flatMap((r) => (r.ok ? [r.cidr] : []));
  if (source === '*') {
    // "Any source" is only inside a rule that itself allows a whole address family.
    if (prefixes.some(isWholeFamily)) return undefined;
    return `source * (any) is not inside ${orList(ruleSources)}: only 0.0.0.0/0 or ::/0 covers any source`;
  }
  const parsed = parseCidr(source);
  if (!parsed.ok) return `source ${source} is not a valid address`;
  const inner: Cidr = parsed.cidr;
  if (prefixes.some((outer) => cidrContains(outer, inner))) return undefined;
  return `source ${inner.text} is not inside ${orList(ruleSources)}`;
}

/** "U1 or a member of S1": Slack user-group IDs start with S, everything else is a user. */
function describePrincipals(ids: string[]): string {
  const groups = ids.filter(isGroupId);
  const users = ids.filter((id) => !isGroupId(id));
  const parts = [...users];
  if (groups.length > 0) parts.push(`a member of ${orList(groups)}`);
  return orList(parts);
}

function isGroupId(id: string): boolean {
  return id.startsWith('S');
}

/** "a", "a or b", "a, b or c"; "nothing listed" for an empty list (which matches nothing). */
function orList(items: string[]): string {
  if (items.length === 0) return 'nothing listed';
  if (items.length === 1) return items[0] as string;
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * Whether `user` (a member of `userGroups`) may add an approval now. The requester
 * never approves their own request, and one person counts once.
 */
export function mayApprove(user: string, userGroups: string[], request: AccessRequest): ApprovalCheck {
  if (request.state !== 'pending') {
    return { ok: false, reason: `request ${request.id} is ${request.state}, so it can no longer be approved` };
  }
  if (user === request.requester) {
    return { ok: false, reason: 'you cannot approve your own request' };
  }
  const approvers = request.decision.approvers;
  if (!approvers.includes(user) && !userGroups.some((group) => approvers.includes(group))) {
    const who = approvers.length > 0 ? describePrincipals(approvers) : 'nobody';
    return { ok: false, reason: `you are not an approver for request ${request.id}: approvers are ${who}` };
  }
  if (request.approvals.includes(user)) {
    return { ok: false, reason: `you have already approved request ${request.id}` };
  }
  return { ok: true };
}

/** True once enough distinct people approved. */
export function approvalComplete(request: AccessRequest): boolean {
  return new Set(request.approvals).size >= request.decision.approvalsNeeded;
}
