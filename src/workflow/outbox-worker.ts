// Delivers outbox rows in order, per request, with backoff. A row leaves the
// outbox only after Slack accepted it, so an outage delays messages, never drops
// them. Rows of one request keep their order: a failed row holds back the later
// rows of the same request (an audit reply cannot precede its thread's root).
// Each row's posts are journalled (see once-poster.ts), so a retry never posts
// a message twice.

import type { Logger } from '../ports/logger.js';
import { crashPoint } from './crash-points.js';
import { type Clock, systemClock } from '../ports/clock.js';
import type { Notifier, PostJournal } from '../ports/notifier.js';
import type { OutboxRow, OutboxStore } from '../ports/store.js';

export interface OutboxWorkerOptions {
  pollMs?: number;
  batchSize?: number;
  maxBackoffMs?: number;
}

export class OutboxWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private again = false;
  private readonly pollMs: number;
  private readonly batchSize: number;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly store: OutboxStore,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: OutboxWorkerOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1000;
    this.batchSize = options.batchSize ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 5 * 60_000;
  }

  start(): void {
    this.timer ??= setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Deliver soon; calls while a pass runs coalesce into one more pass. */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.pass().catch((error: unknown) => this.logger.error('outbox pass failed:', error));
  }

  /** Delivers until nothing due is left or the deadline passes (graceful shutdown). */
  async flush(timeoutMs: number): Promise<void> {
    const deadline = systemClock.now() + timeoutMs;
    while (systemClock.now() < deadline) {
      // Join a pass already running instead of reading the same rows beside it: two passes deliver a row twice.
      if (this.running) {
        await this.running;
        continue;
      }
      if ((await this.pass()) === 0) return;
    }
  }

  /** One pass at a time, whoever asks (the poll, a kick, a flush): each undelivered row is read by one pass only. */
  private pass(): Promise<number> {
    const pass = this.drain().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
    this.running = pass;
    return pass;
  }

  /** One pass over undelivered rows; resolves with how many were delivered. */
  private async drain(): Promise<number> {
    let delivered = 0;
    const blocked = new Set<string>();
    for (const row of await this.store.pendingOutbox(this.batchSize)) {
      // The bot's own rows (drift) keep their order among themselves.
      const queue = row.requestId ?? '';
      if (blocked.has(queue)) continue;
      if (row.nextAttemptAt > this.clock.now() || !(await this.deliver(row))) {
        blocked.add(queue);
        continue;
      }
      delivered++;
    }
    return delivered;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async deliver(row: OutboxRow): Promise<boolean> {
    try {
      const refs = await this.notifier.deliver(
        row.notification,
        row.requestId === undefined ? [] : await this.store.messageRefs(row.requestId),
        this.journalOf(row),
      );
      await this.store.markDelivered(row.id, refs);
      return true;
    } catch (error) {
      const retryAfterMs = retryAfterOf(error);
      const backoff = retryAfterMs ?? Math.min(this.maxBackoffMs, 1000 * 2 ** Math.min(row.attempts, 16));
      const message = error instanceof Error ? error.message : String(error);
      await this.store.markRetry(row.id, message, this.clock.now() + backoff);
      this.logger.warn(`outbox row ${row.id} (${row.notification.kind}, request ${row.requestId ?? 'none'}) failed, retry in ${backoff} ms: ${message}`);
      return false;
    }
  }

  private journalOf(row: OutboxRow): PostJournal {
    const { store } = this;
    return {
      rowId: row.id,
      posts: () => store.outboxPosts(row.id),
      // Wall-clock time, not the workflow clock: a lookup compares it with Slack's ts.
      claim: (step, channel) => store.claimPost(row.id, step, channel, systemClock.now()),
      record: (step, channel, ts) => {
        crashPoint('outbox-posted-before-recorded');
        return store.recordPost(row.id, step, channel, ts);
      },
    };
  }
}

/** @slack/web-api's rate-limit error carries `retryAfter` in seconds. */
function retryAfterOf(error: unknown): number | undefined {
  const seconds = (error as { retryAfter?: unknown } | undefined)?.retryAfter;
  return typeof seconds === 'number' && seconds >= 0 ? seconds * 1000 : undefined;
}
