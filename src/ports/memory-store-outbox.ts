// The memory store's outbox: the rows the worker delivers, where their
// messages live (message refs) and what each row has posted (the post
// journal), with the SQLite adapter's rules: updates skip delivered rows, only
// an unknown row is an error, a claim never touches a recorded post, a record
// always wins. Each method checks everything before it changes anything.

import { JitError } from '../domain/errors.js';
import {
  REF_ROLES,
  bindable,
  foreignKeyFailed,
  integer,
  oneOf,
  param,
  sqlEquals,
  text,
  type OutboxRecord,
  type PostRow,
  type Tables,
} from './memory-store-tables.js';
import type { MessageRef, PostedStep, PostRecord } from './notifier.js';

const MAX_ERROR_LENGTH = 500;

export class OutboxTable {
  constructor(private readonly tables: Tables) {}

  /** Undelivered rows in id order; a negative limit is no limit, as SQLite's LIMIT reads it. */
  pending(limit: number): OutboxRecord[] {
    bindable(limit);
    const count = typeof limit === 'bigint' ? Number(limit) : limit;
    if (typeof count !== 'number' || !Number.isInteger(count)) throw new Error('datatype mismatch');
    const rows = [...this.tables.outbox.values()].filter((row) => row.deliveredAt === null);
    return count < 0 ? rows : rows.slice(0, count);
  }

  /**
   * The due, free head of each queue (a request's rows of one lane; the bot's
   * own rows), claimed for `worker`, oldest first. A row without a lane orders
   * against every lane of its request, as in the SQLite adapter.
   */
  claimHeads(worker: string, now: number, leaseMs: number, limit: number): OutboxRecord[] {
    for (const value of [worker, now, leaseMs, limit]) bindable(value);
    // Per request: the lanes with an undelivered row so far (null among them: a row without a lane).
    const seen = new Map<string | null, Set<string | null>>();
    const claimed: OutboxRecord[] = [];
    for (const row of this.tables.outbox.values()) {
      if (claimed.length >= limit) break;
      if (row.deliveredAt !== null) continue;
      let lanes = seen.get(row.requestId);
      if (lanes === undefined) seen.set(row.requestId, (lanes = new Set()));
      const behind = lanes.has(row.lane) || lanes.has(null) || (row.lane === null && lanes.size > 0);
      lanes.add(row.lane);
      if (behind) continue;
      const free = row.claimedBy === null || row.claimedBy === worker || (row.claimedUntil ?? 0) <= now;
      if (row.nextAttemptAt > now || !free) continue;
      row.claimedBy = text('outbox.claimed_by', worker);
      row.claimedUntil = integer('outbox.claimed_until', now + leaseMs);
      claimed.push(row);
    }
    return claimed;
  }

  /** Undelivered rows and the oldest one's time, as SQL's count and min count them. */
  stats(): { pending: number; oldestAt: number | null } {
    let pending = 0;
    let oldestAt: number | null = null;
    for (const row of this.tables.outbox.values()) {
      if (row.deliveredAt !== null) continue;
      pending += 1;
      if (row.createdAt !== null && (oldestAt === null || row.createdAt < oldestAt)) oldestAt = row.createdAt;
    }
    return { pending, oldestAt };
  }

  /** Marks the row delivered (a delivered row keeps its first stamp) and upserts the refs, all or nothing. */
  /** The posts' records, the delivery and the refs, all or nothing: everything is checked before anything changes. */
  markDelivered(rowId: number, refs: MessageRef[], now: number, posts: PostedStep[] = []): void {
    bindable(rowId);
    bindable(now);
    const row = this.row(rowId);
    const pending = row !== undefined && row.deliveredAt === null;
    const deliveredAt = pending ? integer('outbox.delivered_at', now, true) : null;
    const records = posts.map(({ step, channel, ts }) => this.checkPost(rowId, step, channel, now, ts));
    this.requireRow(rowId, row);
    const checked = refs.map((ref) => this.checkRef(ref));
    for (const post of records) this.recordChecked(post);
    if (pending) Object.assign(row, { deliveredAt, claimedBy: null, claimedUntil: null });
    // Upsert: a message posted again (say, the first was deleted) replaces the old ts, in the same place.
    for (const ref of checked) this.tables.refs.set(JSON.stringify([ref.requestId, ref.role, ref.channel]), ref);
  }

  markRetry(rowId: number, error: string, nextAttemptAt: number): void {
    const lastError = truncate(error);
    for (const value of [rowId, lastError, nextAttemptAt]) bindable(value);
    const row = this.row(rowId);
    if (row !== undefined && row.deliveredAt === null) {
      const checked = { lastError: text('outbox.last_error', lastError, true), nextAttemptAt: integer('outbox.next_attempt_at', nextAttemptAt) };
      row.attempts += 1;
      row.lastError = checked.lastError;
      row.nextAttemptAt = checked.nextAttemptAt;
      row.claimedBy = null;
      row.claimedUntil = null;
    }
    this.requireRow(rowId, row);
  }

  refsOf(requestId: string): MessageRef[] {
    bindable(requestId);
    return [...this.tables.refs.values()].filter((ref) => sqlEquals(ref.requestId, requestId)).map((ref) => ({ ...ref }));
  }

  postsOf(rowId: number): PostRecord[] {
    bindable(rowId);
    const posts = this.tables.posts.get(Number(rowId))?.values() ?? [];
    return [...posts].map(({ ts, ...post }) => (ts === null ? post : { ...post, ts }));
  }

  /** A claim keeps the first claim's time (where a lookup must start) and never touches a recorded ts. */
  claim(rowId: number, step: string, channel: string, at: number): void {
    const post = this.checkPost(rowId, step, channel, at, null);
    const existing = this.tables.posts.get(post.outboxId)?.get(post.step);
    if (existing === undefined) this.insertPost(post);
    else if (existing.ts === null) existing.channel = post.channel;
  }

  /** A record always wins: channel and ts replace what was claimed or recorded; `now` is the claim time of a post never claimed. */
  record(rowId: number, step: string, channel: string, ts: string, now: number): void {
    this.recordChecked(this.checkPost(rowId, step, channel, now, ts));
  }

  private recordChecked(post: PostRow & { outboxId: number }): void {
    const existing = this.tables.posts.get(post.outboxId)?.get(post.step);
    if (existing === undefined) {
      this.insertPost(post);
    } else {
      existing.channel = post.channel;
      existing.ts = post.ts;
    }
  }

  private checkPost(rowId: number, step: string, channel: string, at: number, ts: string | null): PostRow & { outboxId: number } {
    for (const value of [rowId, step, channel, at, ts]) bindable(value);
    return {
      outboxId: integer('outbox_posts.outbox_id', rowId),
      step: text('outbox_posts.step', step),
      channel: text('outbox_posts.channel', channel),
      claimedAt: integer('outbox_posts.claimed_at', at),
      ts: text('outbox_posts.ts', ts, true),
    };
  }

  private insertPost({ outboxId, ...post }: PostRow & { outboxId: number }): void {
    if (!this.tables.outbox.has(outboxId)) throw foreignKeyFailed();
    let posts = this.tables.posts.get(outboxId);
    if (posts === undefined) this.tables.posts.set(outboxId, (posts = new Map()));
    posts.set(post.step, post);
  }

  private checkRef(ref: MessageRef): MessageRef {
    const values = ['requestId', 'role', 'channel', 'ts'].map((key) => param(ref, key));
    for (const value of values) bindable(value);
    const [requestId, role, channel, ts] = values;
    const checked = {
      requestId: text('message_refs.request_id', requestId),
      role: oneOf('message_refs.role', text('message_refs.role', role), REF_ROLES),
      channel: text('message_refs.channel', channel),
      ts: text('message_refs.ts', ts),
    };
    if (!this.tables.requests.has(checked.requestId)) throw foreignKeyFailed();
    return checked;
  }

  private row(rowId: number): OutboxRecord | undefined {
    return typeof rowId === 'number' || typeof rowId === 'bigint' ? this.tables.outbox.get(Number(rowId)) : undefined;
  }

  /** Both outbox updates skip delivered rows (a late duplicate worker); only an unknown id is an error. */
  private requireRow(rowId: number, row: OutboxRecord | undefined): void {
    if (row === undefined) throw new JitError('jit_store_failed', `outbox row ${rowId} does not exist`);
  }
}

/** Keeps long error bodies out of the outbox, as the SQLite adapter does; never splits a surrogate pair. */
function truncate(error: string): string {
  if (error.length <= MAX_ERROR_LENGTH) return error;
  const cut = error.slice(0, MAX_ERROR_LENGTH);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}
