// The rule engine: which rule a request matches and what that means (STYLE.md §4:
// decisions are data). Pure: time and inputs come in, a Decision and a trace come out.
// The trace says, for every rule tried, why it did not match, so `/jit` can explain
// a decision and the audit trail can show it.

import { cidrContains, isWholeFamily, parseCidr, type Cidr } from './cidr.js';
import { formatDuration } from './duration.js';
import { matchGlob } from './glob.js';
import { effectiveJustification, justificationProblem, type JustificationPolicy } from './justification.js';
import { type Message, msg, principals } from './message.js';
import { firstMatchingRule } from './rules-compiled.js';
import { type OnCallAnswers, onCallFailure, onCallKey, type OnCallQuestion } from './rules-on-call.js';
import { timeProblem } from './time-window.js';
import type { AccessRequest, Decision, Policy, RequestDraft, Rule, RuleMatch, VmPolicy } from './types.js';
import { orList, plural } from './wording.js';

export interface RuleInput {
  draft: RequestDraft;
  vm: VmPolicy;
  requesterGroups: string[];
  /** Epoch ms: the moment `hours` and `weekdays` are read at (the caller's clock, never ours). */
  now: number;
  /** The on-call port's answers for the conditions onCallQuestions listed; a condition without one does not hold. */
  onCall?: OnCallAnswers;
}

export interface TraceRow {
  rule: string;
  matched: boolean;
  /**
   * One sentence per condition that did not hold; empty when matched. A
   * Message, so the people and groups a rule names reach each surface as
   * themselves (a mention in Slack).
   */
  failed: Message[];
}

export interface Evaluation {
  decision: Decision;
  /** One row per rule tried, in order, up to and including the first match. */
  trace: TraceRow[];
  /** What the matched rule asks of the justification (break_glass always asks); absent when nothing. */
  justification?: JustificationPolicy;
}

/** How long a request waits for approvals when its rule does not say. */
export const DEFAULT_PENDING_TIMEOUT_SECONDS = 1_800;

/** First matching rule wins; no match falls back to one approval from the default approvers. */
export function evaluate(input: RuleInput, policy: Policy): Evaluation {
  const trace: TraceRow[] = [];
  for (const rule of policy.rules) {
    const failed = failedConditions(rule, input).map((sentence) => sentence());
    const matched = failed.length === 0;
    trace.push({ rule: rule.name, matched, failed });
    if (matched) return matchedEvaluation(rule, policy, input.draft, trace);
  }
  return { decision: fallbackDecision(policy), trace };
}

/**
 * The on-call conditions that could decide `input`, in rule order: those of
 * the rules whose other conditions hold, up to the first such rule without
 * one (it decides whatever the on-call answers are). Empty, at the cost of one
 * lookup, for a policy without on-call conditions: such requests wait for no
 * PagerDuty or Opsgenie.
 */
export function onCallQuestions(input: RuleInput, policy: Policy): OnCallQuestion[] {
  if (!hasOnCall(policy.rules)) return [];
  const questions: OnCallQuestion[] = [];
  for (const rule of policy.rules) {
    if (failedConditions(rule, input, false).length > 0) continue;
    const condition = rule.match.onCall;
    if (condition === undefined) break;
    questions.push({ rule: rule.name, condition, key: onCallKey(condition) });
  }
  return questions;
}

const rulesWithOnCall = new WeakMap<readonly Rule[], boolean>();

function hasOnCall(rules: readonly Rule[]): boolean {
  let has = rulesWithOnCall.get(rules);
  if (has === undefined) {
    has = rules.some((rule) => rule.match.onCall !== undefined);
    rulesWithOnCall.set(rules, has);
  }
  return has;
}

/**
 * The decision `evaluate` gives, without its trace: the rule list is compiled
 * once and indexed by VM, port and requester (rules-compiled.ts), so a request
 * tries only the rules that can hold for it, and builds no sentence
 * (bench/rule-engine.ts).
 */
export function decide(input: RuleInput, policy: Policy): Decision {
  return decisionOf(firstMatchingRule(input, policy.rules), policy, input.draft);
}

/** The decision for `rule` matched by `draft` (undefined: no rule matched, the default applies). */
export function decisionOf(rule: Rule | undefined, policy: Policy, draft: RequestDraft): Decision {
  if (rule === undefined) {
    let fallback = fallbacks.get(policy.approvers);
    if (fallback === undefined) {
      fallback = fallbackDecision(policy);
      fallbacks.set(policy.approvers, fallback);
    }
    return copyOf(fallback);
  }
  let outcome = outcomes.get(rule);
  if (outcome?.approvers !== policy.approvers) {
    const decision = decisionFor(rule, policy);
    outcome = {
      approvers: policy.approvers,
      decision,
      justification: decision.effect === 'deny' ? undefined : effectiveJustification(rule),
    };
    outcomes.set(rule, outcome);
  }
  const copy = copyOf(outcome.decision);
  const error = justificationProblem(rule.name, outcome.justification, draft.justification);
  if (error !== undefined) copy.justificationError = error;
  return copy;
}

// What a matched rule decides depends on the rule and the policy's default
// approvers alone, so it is worked out once per pair (keyed by identity: a
// policy is never changed in place) and each decision gets its own copy.
interface Outcome {
  approvers: readonly string[];
  decision: Readonly<Decision>;
  justification: JustificationPolicy | undefined;
}
const outcomes = new WeakMap<Rule, Outcome>();
const fallbacks = new WeakMap<readonly string[], Readonly<Decision>>();

/**
 * A decision of its own for the caller: the template's arrays are not shared.
 * Field by field, not a spread: a spread of templates of several shapes ran
 * three times slower (bench/rule-engine.ts). A field added to Decision must be
 * copied here too, or decide() and evaluate() disagree (rules-decide.test.ts).
 */
function copyOf(template: Readonly<Decision>): Decision {
  const copy: Decision = {
    effect: template.effect,
    approvalsNeeded: template.approvalsNeeded,
    approvers: template.approvers.slice(),
    matchedRule: template.matchedRule,
    reasons: template.reasons.slice(),
  };
  if (template.justificationError !== undefined) copy.justificationError = template.justificationError;
  if (template.pendingTimeoutSeconds !== undefined) copy.pendingTimeoutSeconds = template.pendingTimeoutSeconds;
  if (template.denyEndsRequest !== undefined) copy.denyEndsRequest = template.denyEndsRequest;
  return copy;
}

function fallbackDecision(policy: Policy): Decision {
  return failClosedWithoutApprovers({
    effect: 'require_approval',
    approvalsNeeded: 1,
    approvers: [...policy.approvers],
    matchedRule: null,
    reasons: ['no rule matched: one approval from the default approvers'],
    pendingTimeoutSeconds: DEFAULT_PENDING_TIMEOUT_SECONDS,
    denyEndsRequest: true,
  });
}

function matchedEvaluation(rule: Rule, policy: Policy, draft: RequestDraft, trace: TraceRow[]): Evaluation {
  const decision = decisionFor(rule, policy);
  // A request that is refused anyway needs no better justification.
  const justification = decision.effect === 'deny' ? undefined : effectiveJustification(rule);
  const error = justificationProblem(rule.name, justification, draft.justification);
  return {
    decision: error === undefined ? decision : { ...decision, justificationError: error },
    trace,
    ...(justification === undefined ? {} : { justification }),
  };
}

function decisionFor(rule: Rule, policy: Policy): Decision {
  const base = { effect: rule.effect, matchedRule: rule.name };
  switch (rule.effect) {
    case 'require_approval': {
      // At least 1: a require_approval rule with `approvals: 0` would be an approve in disguise.
      const approvalsNeeded = Math.max(1, rule.approvals ?? 1);
      return failClosedWithoutApprovers({
        ...base,
        approvalsNeeded,
        approvers: [...(rule.approvers ?? policy.approvers)],
        reasons: [rule.reason ?? requireApprovalReason(rule.name, approvalsNeeded)],
        pendingTimeoutSeconds: rule.pendingTimeoutSeconds ?? DEFAULT_PENDING_TIMEOUT_SECONDS,
        denyEndsRequest: rule.denyEndsRequest ?? true,
      });
    }
    case 'break_glass':
      // Opens without waiting; the approvers acknowledge it afterwards.
      return {
        ...base,
        approvalsNeeded: 0,
        approvers: [...(rule.approvers ?? policy.approvers)],
        reasons: [rule.reason ?? `rule ${rule.name} allows break-glass access: it opens at once and must be acknowledged afterwards`],
      };
    case 'approve':
      return { ...base, approvalsNeeded: 0, approvers: [], reasons: [rule.reason ?? `rule ${rule.name} approves automatically`] };
    case 'deny':
      return { ...base, approvalsNeeded: 0, approvers: [], reasons: [rule.reason ?? `rule ${rule.name} denies the request`] };
  }
}

/** The reason a require_approval rule gets when it gives none. */
export function requireApprovalReason(ruleName: string, approvalsNeeded: number): string {
  return `rule ${ruleName} requires ${plural(approvalsNeeded, 'approval')}`;
}

// A request nobody may approve would sit pending until it times out; say so now instead.
function failClosedWithoutApprovers(decision: Decision): Decision {
  if (decision.effect !== 'require_approval' || decision.approvers.length > 0) return decision;
  const where = decision.matchedRule === null ? 'no rule matched' : `rule ${decision.matchedRule} requires approval`;
  const fix = decision.matchedRule === null ? 'add `approvers` to the policy' : `add \`approvers\` to the policy or to rule ${decision.matchedRule}`;
  const { pendingTimeoutSeconds: _timeout, denyEndsRequest: _denyEnds, ...rest } = decision;
  return {
    ...rest,
    effect: 'deny',
    approvalsNeeded: 0,
    reasons: [`${where} but no approvers are configured: ${fix}`],
  };
}

/** Says why a condition does not hold; built only when a trace asks for it. */
type Sentence = () => Message;

const HOLDS: readonly Sentence[] = Object.freeze([]);

/**
 * Every condition of `match` that does not hold, in the order a trace lists
 * them; absent conditions hold. This is the plain reading of a rule that
 * `evaluate` explains with; `decide` answers from a compiled form of the same
 * rules (rules-compiled.ts) and must agree with it. `readOnCall` false leaves
 * the on-call condition out: onCallQuestions asks whether the rest holds.
 */
function failedConditions(rule: Rule, input: RuleInput, readOnCall = true): readonly Sentence[] {
  const match: RuleMatch = rule.match;
  const { draft, vm, requesterGroups } = input;
  let failed: Sentence[] | undefined;

  const vms = match.vms;
  if (vms !== undefined && !anyGlobMatches(vms, vm.name)) {
    (failed ??= []).push(() => [`VM ${vm.name} does not match ${orList(vms)}`]);
  }

  const tags = match.tags ?? {};
  for (const key of Object.keys(tags)) {
    const want = tags[key];
    const have = Object.hasOwn(vm.tags, key) ? vm.tags[key] : undefined;
    if (have !== undefined && (want === '*' || have === want)) continue;
    (failed ??= []).push(() => [have === undefined ? `VM ${vm.name} has no tag ${key}` : `VM ${vm.name} tag ${key} is ${have}, not ${want}`]);
  }

  const allowed = match.ports;
  if (allowed !== undefined && !draft.ports.every((port) => allowed.includes(port.number))) {
    (failed ??= []).push(() => {
      const outside = [...new Set(draft.ports.map((port) => port.number))].filter((n) => !allowed.includes(n));
      return [outside.length === 1 ? `port ${outside[0]} is not in [${allowed.join(', ')}]` : `ports ${outside.join(', ')} are not in [${allowed.join(', ')}]`];
    });
  }

  const listed = match.requesters;
  if (listed !== undefined && !listed.includes(draft.requester) && !requesterGroups.some((group) => listed.includes(group))) {
    (failed ??= []).push(() => (listed.length === 0 ? ['the rule lists no requesters'] : msg`requester is not ${principals(listed)}`));
  }

  const maxSeconds = match.maxDurationSeconds;
  if (maxSeconds !== undefined && draft.durationSeconds > maxSeconds) {
    (failed ??= []).push(() => [`duration ${formatDuration(draft.durationSeconds)} is longer than ${formatDuration(maxSeconds)}`]);
  }

  const source = match.sources === undefined ? undefined : sourceProblem(draft.source, match.sources);
  if (source !== undefined) {
    (failed ??= []).push(source);
  }

  const outside = timeProblem(match, input.now);
  if (outside !== undefined) {
    (failed ??= []).push(() => [outside]);
  }

  // Last: a rule failing already is not looked up (onCallQuestions), and its trace need not say so.
  const onCall = readOnCall ? match.onCall : undefined;
  if (onCall !== undefined && (failed === undefined || input.onCall?.has(onCallKey(onCall)))) {
    const failure = onCallFailure(rule.name, onCall, input.onCall);
    if (failure !== undefined) (failed ??= []).push(() => [failure]);
  }
  return failed ?? HOLDS;
}

function anyGlobMatches(patterns: readonly string[], name: string): boolean {
  for (const pattern of patterns) if (matchGlob(pattern, name)) return true;
  return false;
}

function sourceProblem(source: string, ruleSources: string[]): Sentence | undefined {
  // Unparseable rule entries contain nothing: a typo must not widen a rule.
  const prefixes = (): Cidr[] => ruleSources.map(parseCidr).flatMap((r) => (r.ok ? [r.cidr] : []));
  if (source === '*') {
    // "Any source" is only inside a rule that itself allows a whole address family.
    if (prefixes().some(isWholeFamily)) return undefined;
    return () => [`source * (any) is not inside ${orList(ruleSources)}: only 0.0.0.0/0 or ::/0 covers any source`];
  }
  const parsed = parseCidr(source);
  if (!parsed.ok) return () => [`source ${source} is not a valid address`];
  const inner: Cidr = parsed.cidr;
  if (prefixes().some((outer) => cidrContains(outer, inner))) return undefined;
  return () => [`source ${inner.text} is not inside ${orList(ruleSources)}`];
}

/** True once enough distinct people approved. */
export function approvalComplete(request: AccessRequest): boolean {
  return new Set(request.approvals).size >= request.decision.approvalsNeeded;
}
