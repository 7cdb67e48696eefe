// The event stream's wire format: one audit-chain row as the JSON object every
// sink sends (webhook body, syslog MSG), its stable id, and the webhook's
// signature. A receiver can check each event on its own: `hash` is
// audit-chain.ts's rowHash over the other fields and `prevHash`, and `prevHash`
// is the hash of the event before it (GENESIS for the first), so a receiver
// that keeps the last hash sees a gap, an edit or a reorder.

import { createHmac } from 'node:crypto';
import type { ChainRow } from './audit-chain.js';

/** What the event names in `source`: the sender, for receivers fed by several. */
export const STREAM_SOURCE = 'jit-access-bot';

/** One audit event as the sinks send it. Field order is fixed (JSON.stringify keeps insertion order). */
export interface StreamEvent {
  /** Stable across redeliveries, unique per chain: `eventId(seq, hash)`. */
  id: string;
  seq: number;
  hash: string;
  prevHash: string;
  requestId: string | null;
  name: string;
  actor: string;
  /** ISO 8601 UTC with milliseconds; the same instant as atMs. */
  at: string;
  /** Epoch ms: what the hash covers. */
  atMs: number;
  detail: string | null;
  source: typeof STREAM_SOURCE;
}

/**
 * `<seq>-<first 16 hex of hash>`: the same every time the event is sent (a
 * receiver de-duplicates on it), and two chains (two bots, a rebuilt database)
 * do not share ids for different events at the same seq.
 */
export function eventId(seq: number, hash: string): string {
  return `${seq}-${hash.slice(0, 16)}`;
}

/** The envelope of one chain row (rows are hashed from schema 3 on; every row has a hash). */
export function streamEvent(row: ChainRow): StreamEvent {
  const hash = row.hash ?? '';
  return {
    id: eventId(row.seq, hash),
    seq: row.seq,
    hash,
    prevHash: row.prevHash ?? '',
    requestId: row.requestId,
    name: row.name,
    actor: row.actor,
    at: new Date(row.at).toISOString(),
    atMs: row.at,
    detail: row.detail,
    source: STREAM_SOURCE,
  };
}

/** The exact bytes both sinks send as the event (the webhook's body, the syslog message's MSG). */
export function streamJson(event: StreamEvent): string {
  return JSON.stringify(event);
}

/** What the webhook signs: the unix-seconds timestamp, a dot, the body, so a replayed body with a new timestamp fails. */
export function signatureText(timestampSeconds: number, body: string): string {
  return `${timestampSeconds}.${body}`;
}

/** The `X-Jit-Signature` header's value: `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. */
export function webhookSignature(secret: string, timestampSeconds: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(signatureText(timestampSeconds, body)).digest('hex')}`;
}

/** Retries of one event: the first after about 1 s, doubling, at most 5 minutes apart. */
export const FIRST_RETRY_MS = 1000;
export const MAX_RETRY_MS = 5 * 60_000;
/** A sink's Retry-After is honoured up to an hour. */
export const MAX_RETRY_AFTER_MS = 60 * 60_000;

/**
 * When to try an event again after its `attempts`th failure (1 = the first):
 * 1 s doubling to a 5 minute cap, with "equal jitter" (between half and all of
 * it, `random` in [0, 1)) so replicas and restarts do not retry in step. A
 * sink's own Retry-After (429, 503), when longer, wins, up to an hour.
 */
export function retryDelayMs(attempts: number, random: number, retryAfterMs?: number): number {
  const base = Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, Math.min(attempts - 1, 30)), MAX_RETRY_MS);
  const jittered = Math.round(base / 2 + (random * base) / 2);
  if (retryAfterMs === undefined || !(retryAfterMs > jittered)) return jittered;
  return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
}

/**
 * A sink's Retry-After header in ms from `now`: delay-seconds or an HTTP-date
 * (RFC 9110 §10.2.3); undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A sink refused or could not take an event; `retryAfterMs` when it said how long to wait. */
export class SinkError extends Error {
  override readonly name = 'SinkError';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}
