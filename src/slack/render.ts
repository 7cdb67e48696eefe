// A Message (domain/message.ts) as Slack mrkdwn. The one place a sentence from
// the core becomes markup: literal text is escaped here and only here, so a VM
// name or a rule's reason that contains `<!channel>` is shown as typed.

import { type Message, type PartRenderer, renderMessage, utcText } from '../domain/message.js';
import { approverMention, escapeMrkdwn, slackDate, userMention } from './blocks/escape.js';

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
