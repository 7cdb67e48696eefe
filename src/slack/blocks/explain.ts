// `/jit explain`: the rule engine's own sentences, escaped, as one ephemeral reply;
// the people and groups a rule names shown as mentions.

import type { Message } from '../../domain/message.js';
import { mrkdwnWithin } from '../render.js';
import { escapeTruncated } from './escape.js';

const MAX_LINES = 40;

export function explainText(asked: string, lines: readonly Message[]): string {
  const shown = lines.slice(0, MAX_LINES).map((line) => `• ${mrkdwnWithin(line, 500)}`);
  if (lines.length > MAX_LINES) shown.push(`• …and ${lines.length - MAX_LINES} more rules that did not match`);
  return [`*If you requested* \`${escapeTruncated(asked, 300)}\`:`, ...shown, '_Nothing was requested or stored._'].join('\n');
}

/** A "Use my IP" link that only records the address: `/jit explain … me …` asked before any was recorded. */
export function myIpRecordText(url: string, again: string): string {
  return (
    `To use the address you connect from, open <${url}|Use my IP> in your browser and confirm; ` +
    `then run \`${escapeTruncated(again.replaceAll('`', "'"), 300)}\` again. The link works once, for five minutes.`
  );
}

/** The ephemeral reply that hands out a "Use my IP" link for an inline request. */
export function myIpLinkText(url: string): string {
  return (
    `To use the address you connect from, open <${url}|Use my IP> in your browser and confirm: ` +
    'the request is created then, with that address. The link works once, for five minutes.'
  );
}
