// The ephemeral reply to a request the validators refused: every problem at
// once (validators return them as data), so the user fixes all of them in one go.

import { escapeTruncated } from './escape.js';

export interface Problem {
  /** The input the problem is about (`vm`, `ports`, `source`, `duration`, …), when there is one. */
  field?: string;
  /** A plain-text sentence from a validator; escaped here, never trusted as mrkdwn. */
  message: string;
}

/** Enough problems to fix at once; a pasted essay of an input cannot flood the reply. */
const MAX_PROBLEMS = 20;
const MESSAGE_MAX = 500;

export function problemsText(problems: readonly Problem[]): string {
  if (problems.length === 0) return 'Something is wrong with that request. See `/jit help` for the accepted forms.';
  const lines = problems.slice(0, MAX_PROBLEMS).map((p) => {
    const message = escapeTruncated(p.message, MESSAGE_MAX);
    return p.field ? `• *${escapeTruncated(p.field, 50)}*: ${message}` : `• ${message}`;
  });
  const rest = problems.length - MAX_PROBLEMS;
  if (rest > 0) lines.push(`• …and ${rest} more`);
  const intro = problems.length === 1 ? 'I could not take that request:' : 'I could not take that request, please fix these:';
  return [intro, ...lines, 'Correct them and try again; `/jit help` lists the accepted forms.'].join('\n');
}
