// `/jit explain`: the rule engine's own sentences, escaped, as one ephemeral reply.

import { escapeTruncated } from './escape.js';

const MAX_LINES = 40;

export function explainText(asked: string, lines: readonly string[]): string {
  const shown = lines.slice(0, MAX_LINES).map((line) => `• ${escapeTruncated(line, 500)}`);
  if (lines.length > MAX_LINES) shown.push(`• …and ${lines.length - MAX_LINES} more rules that did not match`);
  return [`*If you requested* \`${escapeTruncated(asked, 300)}\`:`, ...shown, '_Nothing was requested or stored._'].join('\n');
}

/** The ephemeral reply that hands out a "Use my IP" link for an inline request. */
export function myIpLinkText(url: string): string {
  return (
    `To use the address you connect from, open <${url}|Use my IP> in your browser and confirm: ` +
    'the request is created then, with that address. The link works once, for five minutes.'
  );
}
