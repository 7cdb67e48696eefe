// What the bot tells the approval channel or the admins when Slack refuses one
// of its destinations (workflow/delivery-problems.ts): what is wrong, the fix,
// and that nothing is lost. One short message, read on a phone.

import { destinationAdvice, type DestinationRole } from '../../domain/delivery-problem.js';
import { escapeMrkdwn, userMention } from './escape.js';

const CHANNEL_ID = /^[CG][A-Z0-9]+$/;

export function destinationProblemText(problem: { destination: string; role: DestinationRole; error: string }): string {
  const { problem: what, fix } = destinationAdvice(problem.role, problem.error, mentionOf(problem.destination));
  return [
    `:warning: Slack refuses the bot’s messages: ${what} (\`${escapeMrkdwn(problem.error)}\`).`,
    `*Fix:* ${fix}.`,
    'Those messages wait and go out once it is fixed; approvals and everything else go on meanwhile.',
  ].join('\n');
}

/** A channel or a person as Slack shows them; an ID of another shape as text. */
function mentionOf(id: string): string {
  return CHANNEL_ID.test(id) ? `<#${id}>` : userMention(id);
}
