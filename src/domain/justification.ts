// What a rule asks of the requester's justification, and whether a justification
// meets it. Patterns are compiled once when the policy is parsed; a pattern that
// could backtrack for ever on a crafted justification is refused there.

import type { Rule } from './types.js';

export type JustificationPolicy = NonNullable<Rule['justification']>;

export const MAX_PATTERN_LENGTH = 200;

export type PatternResult = { ok: true; pattern: RegExp } | { ok: false; error: string };

/** A JS regular-expression source (no slashes, no flags) into a RegExp, or why it is refused. */
export function compilePattern(source: string): PatternResult {
  if (source.length > MAX_PATTERN_LENGTH) {
    return { ok: false, error: `the pattern is ${source.length} characters long: shorten it to ${MAX_PATTERN_LENGTH} or fewer` };
  }
  let pattern: RegExp;
  try {
    // No flags: no `g` or `y`, so `test` keeps no state between calls.
    pattern = new RegExp(source);
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^Invalid regular expression: /, '') : String(error);
    return { ok: false, error: `not a valid regular expression: ${reason}` };
  }
  if (hasNestedRepeat(source)) {
    return {
      ok: false,
      error:
        'the pattern repeats a group that itself repeats, such as (a+)+, which can take for ever to fail on some text: drop the outer repeat, such as ^[A-Z]+-\\d+$',
    };
  }
  return { ok: true, pattern };
}

/**
 * A cheap guard against catastrophic backtracking: a group that ends in a
 * repeat (`+`, `*`, `{n,}`) and is itself repeated. Escapes and character
 * classes are blanked first so `\+)` or `[*]` do not count.
 */
export function hasNestedRepeat(source: string): boolean {
  const plain = source.replace(/\\./g, 'x').replace(/\[[^\]]*\]/g, 'x');
  return /(?:[+*]|\{\d+,\d*\})\??\)(?:[+*]|\{\d+,\d*\})/.test(plain);
}

/** The rule's policy with break_glass's standing requirement folded in; undefined when nothing is asked. */
export function effectiveJustification(rule: Rule): JustificationPolicy | undefined {
  if (rule.effect === 'break_glass') return { ...rule.justification, required: true };
  return rule.justification;
}

/**
 * Why `text` does not meet the policy, or undefined. A pattern applies to any
 * justification given; an empty one fails only when one is required.
 */
export function justificationProblem(ruleName: string, policy: JustificationPolicy | undefined, text: string): string | undefined {
  if (policy === undefined) return undefined;
  const given = text.trim();
  if (given === '' && !policy.required) return undefined;
  if (given !== '' && (policy.pattern === undefined || policy.pattern.test(given))) return undefined;
  return `rule ${ruleName} needs a justification${describeRequirement(policy)}`;
}

/** " matching ^[A-Z]+-\d+ (a ticket ID such as OPS-123)", or "" when any text will do. */
export function describeRequirement(policy: JustificationPolicy): string {
  const matching = policy.pattern === undefined ? '' : ` matching ${policy.pattern.source}`;
  const hint = policy.hint === undefined ? '' : ` (${policy.hint})`;
  return `${matching}${hint}`;
}
