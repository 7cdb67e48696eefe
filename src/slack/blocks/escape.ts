// The only place user- or policy-supplied text becomes Slack mrkdwn. Every
// other builder goes through these helpers, so a justification that contains
// `<!channel>` or `<https://evil|x>` is shown as typed and never pings or links.

/** Slack IDs we are willing to wrap in a mention; anything else is shown as text. */
const SLACK_ID = /^[UWS][A-Z0-9]+$/;
const USER_ID = /^[UW][A-Z0-9]+$/;

const ELLIPSIS = '…';

/** Escapes the three characters Slack's mrkdwn parser treats as control characters. */
export function escapeMrkdwn(text: string): string {
  // `&` first, or the entities produced for `<` and `>` would be escaped twice.
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A `<!date^…>` token: each reader sees the time in their own time zone. The
 * fallback (shown by clients that cannot render the token) is ISO 8601 UTC.
 */
export function slackDate(epochMs: number, format = '{date_short_pretty} {time}'): string {
  if (!Number.isFinite(epochMs)) return 'an unknown time';
  const seconds = Math.floor(epochMs / 1000);
  const fallback = new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
  return `<!date^${seconds}^${format}|${fallback}>`;
}

/**
 * Shortens `text` to at most `max` characters, ending with an ellipsis when cut.
 * Never splits a surrogate pair, so an emoji cannot turn into a broken character.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  if (max === 1) return ELLIPSIS;
  let end = max - ELLIPSIS.length;
  if (isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  return text.slice(0, end) + ELLIPSIS;
}

/**
 * Escapes `text` and keeps the result within `max` characters. Cutting after
 * escaping could leave half an entity (`&am…`), so the cut is made on the raw
 * text, counting each character at its escaped length.
 */
export function escapeTruncated(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  if (max <= 0) return '';
  const budget = max - ELLIPSIS.length;
  let out = '';
  for (const char of text) {
    const piece = escapeMrkdwn(char);
    if (out.length + piece.length > budget) break;
    out += piece;
  }
  return out + ELLIPSIS;
}

/** `<@U…>` for a user ID; anything else (e.g. `system`) is escaped plain text. */
export function userMention(id: string): string {
  return USER_ID.test(id) ? `<@${id}>` : escapeMrkdwn(id);
}

/** Approvers may be users (`U…`/`W…`) or user groups (`S…`, shown as `<!subteam^S…>`). */
export function approverMention(id: string): string {
  if (!SLACK_ID.test(id)) return escapeMrkdwn(id);
  return id.startsWith('S') ? `<!subteam^${id}>` : `<@${id}>`;
}

/**
 * Mentions joined with commas; past `max` names the rest are counted, so a
 * policy with hundreds of approvers still fits in one field.
 */
export function mentionList(ids: readonly string[], max = 20, mention = approverMention): string {
  if (ids.length === 0) return 'nobody';
  const shown = ids.slice(0, max).map(mention).join(', ');
  const rest = ids.length - max;
  return rest > 0 ? `${shown} and ${rest} more` : shown;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
