// The rule engine's reference (bench/rule-engine.ts): the simplest correct
// evaluator, a linear scan of the rules in policy order that reads each rule's
// conditions as written, stopping at the first that fails, with no index and
// nothing compiled. It uses the library calls a plain implementation would
// (matchGlob, parseCidr, localTime; their own memos included, so the reference
// is not slowed by parsing) and builds the decision with the same decisionOf.

import { cidrContains, isWholeFamily, parseCidr } from '../../src/domain/cidr.js';
import { matchGlob } from '../../src/domain/glob.js';
import { decisionOf, type RuleInput } from '../../src/domain/rules.js';
import { inWindow, localTime } from '../../src/domain/time-window.js';
import type { Decision, Policy, RuleMatch } from '../../src/domain/types.js';

export function scanDecide(input: RuleInput, policy: Policy): Decision {
  return decisionOf(
    policy.rules.find((rule) => holds(rule.match, input)),
    policy,
    input.draft,
  );
}

function holds(match: RuleMatch, { draft, vm, requesterGroups, now }: RuleInput): boolean {
  if (match.vms !== undefined && !match.vms.some((pattern) => matchGlob(pattern, vm.name))) return false;
  for (const [key, want] of Object.entries(match.tags ?? {})) {
    const have = Object.hasOwn(vm.tags, key) ? vm.tags[key] : undefined;
    if (have === undefined || (want !== '*' && have !== want)) return false;
  }
  const ports = match.ports;
  if (ports !== undefined && !draft.ports.every((port) => ports.includes(port.number))) return false;
  const listed = match.requesters;
  if (listed !== undefined && !listed.includes(draft.requester) && !requesterGroups.some((group) => listed.includes(group))) return false;
  if (match.maxDurationSeconds !== undefined && draft.durationSeconds > match.maxDurationSeconds) return false;
  if (match.sources !== undefined && !sourceInside(draft.source, match.sources)) return false;
  if (match.hours !== undefined || match.weekdays !== undefined) {
    let local: ReturnType<typeof localTime>;
    try {
      local = localTime(now, match.timezone ?? 'UTC');
    } catch {
      return false;
    }
    if (match.weekdays !== undefined && !match.weekdays.includes(local.weekday)) return false;
    if (match.hours !== undefined && !inWindow(local.minutes, match.hours)) return false;
  }
  return true;
}

function sourceInside(source: string, allowed: readonly string[]): boolean {
  const prefixes = allowed.map(parseCidr).flatMap((result) => (result.ok ? [result.cidr] : []));
  if (source === '*') return prefixes.some(isWholeFamily);
  const parsed = parseCidr(source);
  return parsed.ok && prefixes.some((outer) => cidrContains(outer, parsed.cidr));
}
