// The on-call condition of a rule (`match.onCall`), as the pure engine reads it.
// Whether someone is on call is a question for PagerDuty or Opsgenie, so the
// workflow asks the on-call port first and hands the answers in, keyed by the
// condition (onCallKey). An answer that is missing or failed does not hold
// (fail closed), and the sentences below say why, for `/jit explain` and for
// the approvers' view of the decision.

import type { OnCallMatch } from './types.js';
import { orList } from './wording.js';

/** What the on-call port answered for one condition. */
export type OnCallStatus =
  /** `where`: the first place found, e.g. `PagerDuty schedule PABC123`. */
  | { onCall: true; where: string }
  /**
   * Not on call anywhere the port could read. `problems`: one sentence per place
   * it could not read (unreachable, an error, no token, no e-mail); empty when
   * every place answered and the requester is in none.
   */
  | { onCall: false; problems: string[] };

/** Answers by onCallKey of the condition asked. */
export type OnCallAnswers = ReadonlyMap<string, OnCallStatus>;

/** One on-call condition the workflow must look up before deciding: the rule could decide if it holds. */
export interface OnCallQuestion {
  rule: string;
  condition: OnCallMatch;
  key: string;
}

// Keyed by identity: a parsed policy is deep-frozen, so a condition never changes.
const keys = new WeakMap<OnCallMatch, string>();

/** The same text for the same places, whatever rule or policy object they come from. */
export function onCallKey(condition: OnCallMatch): string {
  let key = keys.get(condition);
  if (key === undefined) {
    key = JSON.stringify([
      [...(condition.pagerduty?.schedules ?? [])].sort(),
      [...(condition.pagerduty?.escalationPolicies ?? [])].sort(),
      [...(condition.opsgenie?.schedules ?? [])].sort(),
    ]);
    keys.set(condition, key);
  }
  return key;
}

/** Every place the condition names, in words: `PagerDuty schedule PABC123`, `Opsgenie schedule sre-primary`. */
export function onCallPlaces(condition: OnCallMatch): string[] {
  return [
    ...(condition.pagerduty?.schedules ?? []).map((id) => `PagerDuty schedule ${id}`),
    ...(condition.pagerduty?.escalationPolicies ?? []).map((id) => `PagerDuty escalation policy ${id}`),
    ...(condition.opsgenie?.schedules ?? []).map((name) => `Opsgenie schedule ${name}`),
  ];
}

export function onCallHolds(answers: OnCallAnswers | undefined, condition: OnCallMatch): boolean {
  return answers?.get(onCallKey(condition))?.onCall === true;
}

/** Why the on-call condition of `rule` does not hold; undefined when it holds. */
export function onCallFailure(rule: string, condition: OnCallMatch, answers: OnCallAnswers | undefined): string | undefined {
  const answer = answers?.get(onCallKey(condition));
  if (answer?.onCall === true) return undefined;
  if (answer === undefined) return `the on-call status was not looked up: the on-call condition of rule ${rule} does not hold`;
  if (answer.problems.length > 0) return `${answer.problems.join('; ')}: the on-call condition of rule ${rule} does not hold`;
  return `requester is not on call in ${orList(onCallPlaces(condition))}`;
}

/**
 * What the on-call lookups add to a decision's reasons: the place the matched
 * rule found the requester on call, and, for each earlier rule that failed only
 * because its lookup failed, why, so approvers see that a request waits for them
 * because PagerDuty could not be read, not because the requester was off call.
 */
export function onCallNotes(questions: readonly OnCallQuestion[], answers: OnCallAnswers | undefined, matchedRule: string | null): string[] {
  const notes: string[] = [];
  for (const question of questions) {
    const answer = answers?.get(question.key);
    if (question.rule === matchedRule) {
      if (answer?.onCall === true) notes.push(`requester is on call in ${answer.where}`);
      break;
    }
    if (answer === undefined || (answer.onCall === false && answer.problems.length > 0)) {
      const failure = onCallFailure(question.rule, question.condition, answers);
      if (failure !== undefined) notes.push(failure);
    }
  }
  return notes;
}
