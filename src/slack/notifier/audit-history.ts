// Reads what the audit channel anchors, for `jit audit verify --against-slack`:
// every message of the bot's outbox (metadata `jit_outbox_post`) that carries
// the chain's (seq, hash), top-level and in threads, and the signed
// checkpoints. The channel's whole history is read (conversations.history,
// paged, and conversations.replies for each thread), so the app needs the
// history scope of the channel's kind (channels:history or groups:history).
// Only the bot's own posts count (their bot_id is the one auth.test names):
// another app can post with the same metadata, but not as this bot.

import type { WebClient } from '@slack/web-api';
import { checkpointOf } from '../../domain/audit-anchor.js';
import type { Anchor } from '../../domain/audit-anchor-verdict.js';
import { METADATA_EVENT } from './once-poster.js';

const PAGE = 200;

interface SlackMessage {
  ts?: string;
  bot_id?: string;
  thread_ts?: string;
  reply_count?: number;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

/** Every anchor in `channel`, oldest first. Throws what Slack answered when the history cannot be read. */
export async function readAuditAnchors(client: WebClient, channel: string): Promise<Anchor[]> {
  const self = await client.auth.test();
  if (!self.bot_id) throw new Error('auth.test named no bot for this token: give SLACK_BOT_TOKEN (xoxb-…), the token the bot posts with');
  const anchorOf = (message: SlackMessage) => (message.bot_id === self.bot_id ? anchorIn(message) : undefined);
  const anchors: Anchor[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.conversations.history({ channel, include_all_metadata: true, limit: PAGE, ...(cursor ? { cursor } : {}) });
    for (const message of (page.messages ?? []) as SlackMessage[]) {
      const anchor = anchorOf(message);
      if (anchor) anchors.push(anchor);
      if (message.ts && (message.reply_count ?? 0) > 0) anchors.push(...(await threadAnchors(client, channel, message.ts, anchorOf)));
    }
    cursor = page.has_more ? page.response_metadata?.next_cursor || undefined : undefined;
  } while (cursor);
  return anchors.sort((a, b) => a.at - b.at || a.seq - b.seq);
}

/** The replies of one thread (conversations.replies answers the parent too: it is skipped, history had it). */
async function threadAnchors(client: WebClient, channel: string, ts: string, anchorOf: (message: SlackMessage) => Anchor | undefined): Promise<Anchor[]> {
  const anchors: Anchor[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.conversations.replies({ channel, ts, include_all_metadata: true, limit: PAGE, ...(cursor ? { cursor } : {}) });
    for (const message of (page.messages ?? []) as SlackMessage[]) {
      if (message.ts === ts) continue;
      const anchor = anchorOf(message);
      if (anchor) anchors.push(anchor);
    }
    cursor = page.has_more ? page.response_metadata?.next_cursor || undefined : undefined;
  } while (cursor);
  return anchors;
}

function anchorIn(message: SlackMessage): Anchor | undefined {
  const payload = message.metadata?.event_type === METADATA_EVENT ? message.metadata.event_payload : undefined;
  if (!payload || typeof payload.seq !== 'number' || typeof payload.hash !== 'string' || !message.ts) return undefined;
  const at = Math.round(Number(message.ts) * 1000);
  if (payload.kind !== 'checkpoint') return { seq: payload.seq, hash: payload.hash, source: 'post', at };
  // A checkpoint whose fields do not parse is kept with an empty signature: it fails verification, reported as forged.
  const checkpoint = checkpointOf(payload) ?? { seq: payload.seq, hash: payload.hash, alg: 'hmac-sha256' as const, sig: '' };
  return { seq: payload.seq, hash: payload.hash, source: 'checkpoint', at, checkpoint };
}
