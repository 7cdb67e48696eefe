// `me` (or an empty source in the form) stands for the address a "Use my IP"
// link recorded. The core says "open the link first" without knowing whether
// this bot can hand one out; without JIT_PUBLIC_URL it cannot, so the user is
// told why and to type the address instead.

import { type FieldProblem, noRecordedSource } from '../../workflow/create-request.js';

export const NO_MY_IP_LINKS =
  'Your address cannot be detected here: "Use my IP" links need JIT_PUBLIC_URL, which the bot’s admin has not set. Type your address instead, e.g. 203.0.113.7.';

const NOT_RECORDED = noRecordedSource().message;

/** The problem the core reports when `me` has no recorded address. */
export function isNoRecordedSource(problem: FieldProblem): boolean {
  return problem.field === 'source' && problem.message === NOT_RECORDED;
}

/** The problems as the user should read them: no promise of a link the bot cannot give. */
export function sourceProblems(problems: readonly FieldProblem[], linksEnabled: boolean): FieldProblem[] {
  if (linksEnabled) return [...problems];
  return problems.map((problem) => (isNoRecordedSource(problem) ? { ...problem, message: NO_MY_IP_LINKS } : problem));
}
