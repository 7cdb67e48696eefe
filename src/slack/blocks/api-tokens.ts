// REST API tokens in Slack: the one reply that shows a new token (and how to
// use it), `/jit token list`, and the Home's list with a Revoke button per
// token. Pure: data in, text or blocks out. A token's secret appears in the
// creation reply only.

import type { Button, KnownBlock } from '@slack/types';
import type { ApiToken } from '../../domain/api-token-record.js';
import { escapeMrkdwn, slackDate, truncate } from './escape.js';
import { header, section } from './home-inventory.js';

/** The Home's Revoke button on a token (its value: the token id). */
export const TOKEN_REVOKE_ACTION = 'jit_token_revoke';

/** `*deploy* · `k7m2qpab``: a token as people read it. */
function tokenTitle(token: ApiToken): string {
  return token.name === '' ? `\`${token.id}\`` : `*${escapeMrkdwn(token.name)}* · \`${token.id}\``;
}

function tokenLine(token: ApiToken): string {
  const used = token.lastUsedAt === undefined ? 'never used' : `last used ${slackDate(token.lastUsedAt)}`;
  return `${tokenTitle(token)} · expires ${slackDate(token.expiresAt)} · ${used}`;
}

/** The reply to `/jit token create`: the token once, and a call that works as pasted. */
export function tokenCreatedText(token: string, record: ApiToken, publicUrl: string | undefined): string {
  const base = publicUrl ?? 'https://<the bot’s address>';
  return [
    `:key: Your API token ${tokenTitle(record)}, valid until ${slackDate(record.expiresAt)}. Copy it now: it is not shown again.`,
    `\`\`\`${token}\`\`\``,
    `Try it: \`curl -H "Authorization: Bearer ${token}" ${base}/api/v1/policy\``,
    `It acts as you: requests through it follow the same rules and approvals, and every call is in the audit log. ${base}/api/v1/openapi.json describes the API. \`/jit token revoke ${record.id}\` stops it at once.`,
  ].join('\n');
}

export function tokenListText(tokens: readonly ApiToken[]): string {
  if (tokens.length === 0) return 'You have no API tokens. `/jit token create [name]` makes one for a script.';
  return [`*Your API tokens* (${tokens.length}):`, ...tokens.map((token) => `• ${tokenLine(token)}`), 'Revoke one with `/jit token revoke <id>`.'].join('\n');
}

export function tokenRevokedText(token: ApiToken, by: string): string {
  return `API token ${tokenTitle(token)}${token.owner === by ? '' : ` of <@${token.owner}>`} is revoked: it stops working at once.`;
}

/** The Home's section: nothing when the user has no tokens, else one line each with its Revoke button (at most 10: the live-token limit). */
export function tokenHomeBlocks(tokens: readonly ApiToken[]): KnownBlock[] {
  if (tokens.length === 0) return [];
  return [header('Your API tokens'), ...tokens.slice(0, 10).map((token) => ({ ...section(tokenLine(token)), accessory: revokeButton(token) }))];
}

function revokeButton(token: ApiToken): Button {
  const label = truncate(token.name === '' ? token.id : token.name, 30).replace(/[<>&]/g, '');
  return {
    type: 'button',
    action_id: TOKEN_REVOKE_ACTION,
    text: { type: 'plain_text', text: truncate(`Revoke ${label}`, 75) },
    style: 'danger',
    value: token.id,
    confirm: {
      title: { type: 'plain_text', text: 'Revoke API token?' },
      text: { type: 'plain_text', text: truncate(`Scripts using ${label} (${token.id}) stop working at once. This cannot be undone.`, 300) },
      confirm: { type: 'plain_text', text: 'Revoke' },
      deny: { type: 'plain_text', text: 'Keep it' },
    },
  };
}
