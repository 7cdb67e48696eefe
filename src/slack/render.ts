// A Message (domain/message.ts) as Slack mrkdwn. The one place a sentence from
// the core becomes markup: literal text is escaped here and only here, so a VM
// name or a rule's reason that contains `<!channel>` is shown as typed.

import { type Message, type PartRenderer, renderMessage, utcText } from '../domain/message.js';
import { approverMention, escapeMrkdwn, escapeTruncated, slackDate, userMention } from './blocks/escape.js';

const MRKDWN: PartRenderer = {
  text: escapeMrkdwn,
  user: userMention,
  group: approverMention,
  command: slashCommand,
  date: (epochMs) => slackDate(epochMs),
};

export function mrkdwn(message: Message): string {
  return renderMessage(message, MRKDWN);
}

/**
 * mrkdwn() in at most `max` characters, ending with an ellipsis when cut. The
 * cut falls inside literal text or between parts, never inside a mention or a
 * date token, which would show as broken markup.
 */
export function mrkdwnWithin(message: Message, max: number): string {
  const whole = mrkdwn(message);
  if (whole.length <= max) return whole;
  const budget = max - 1;
  let out = '';
  for (const part of message) {
    const room = budget - out.length;
    const piece = typeof part === 'string' ? escapeMrkdwn(part) : renderMessage([part], MRKDWN);
    if (piece.length <= room) {
      out += piece;
      continue;
    }
    // escapeTruncated keeps within room + 1 characters, its ellipsis included.
    return typeof part === 'string' ? out + escapeTruncated(part, room + 1) : `${out}…`;
  }
  return `${out}…`;
}

/**
 * For Slack's plain_text fields (a modal input's error): nothing is parsed
 * there, so nothing is escaped and a mention would show as markup; people
 * and groups show as their IDs, commands as the user types them.
 */
const PLAIN_TEXT: PartRenderer = {
  text: (text) => text,
  user: (id) => id,
  group: (id) => id,
  command: (line) => `\`/${line.replaceAll('`', "'")}\``,
  date: (epochMs) => utcText(epochMs),
};

export function slackPlainText(message: Message): string {
  return renderMessage(message, PLAIN_TEXT);
}

/**
 * `jit cancel k7m2qp` → `` `/jit cancel k7m2qp` ``: what a user types in Slack.
 * A backtick inside would end the code span early, so it becomes a quote.
 */
function slashCommand(line: string): string {
  return `\`/${escapeMrkdwn(line.replaceAll('`', "'"))}\``;
}
