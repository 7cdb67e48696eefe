// Delivers outbox rows in order, per request and lane, with backoff. A row
// leaves the outbox only after Slack accepted it, so an outage delays messages,
// never drops them. Rows of one request and one lane (the destination they
// depend on: audit channel, approval messages, requester DMs) keep their order:
// a failed row holds back the later rows of its lane (an audit reply cannot
// precede its thread's root), not the other lanes (approvers still get their
// DMs while the audit channel refuses the bot). A destination Slack refuses
// until a person acts is reported to DeliveryProblems (logged once, with the
// fix) and retried at least every `destinationRetryMs`, so its messages go out
// soon after the fix. Each row's posts are journalled (see once-poster.ts), so
// a retry never posts a message twice; the journal (outbox-journal.ts) writes
// a row's post records with its delivery, in one transaction, and says what
// must be durable before what. Several replicas share one outbox: a
// worker delivers only the rows it claimed (the store hands each queue's next
// row to one worker at a time, for a lease), and a dead replica's claims are
// taken over once their lease runs out. An audit post carries the (seq, hash)
// of its event's row, looked up as it goes out (`chain`): the channel's second
// record of the chain (domain/audit-anchor.ts).

import type { Logger } from '../ports/logger.js';
import { logEvent } from '../ports/log-event.js';
import { crashPoint } from './crash-points.js';
import { OutboxJournal } from './outbox-journal.js';
import { type Clock, systemClock } from '../ports/clock.js';
import type { Notifier } from '../ports/notifier.js';
import type { OutboxRow, OutboxStore } from '../ports/store.js';
import { DestinationError } from '../domain/delivery-problem.js';
import type { ChainReader } from '../domain/audit-anchor.js';
import type { Notification } from '../domain/notification.js';
import type { DeliveryProblems } from './delivery-problems.js';
import { BACKGROUND_STREAM, type Yielding } from './yield-gate.js';

export interface OutboxWorkerOptions {
  pollMs?: number;
  batchSize?: number;
  maxBackoffMs?: number;
  /** Who claims the rows: this replica's id. */
  worker?: string;
  /** How long a claim keeps other workers off a row; after it, a claim of a dead replica is taken over. */
  leaseMs?: number;
  /** Longest wait between retries of a row whose destination Slack refuses (the bot not in a channel): how soon after the fix it goes out. */
  destinationRetryMs?: number;
  /** Where refused destinations are reported; without it they are logged as any failure. */
  problems?: DeliveryProblems;
  /** Acks first: while Slack requests arrive, each row waits its turn (bounded: a pass waits at most the gate's delay in all). */
  gate?: Yielding;
  /** Finds the audit row an audit post reports, whose (seq, hash) the post carries (audit anchoring); without it posts carry none. */
  chain?: Pick<ChainReader, 'auditLinkOf'>;
}

/** Long enough for a row's posts with Slack's own retries; short enough that a dead replica's rows wait little. */
export const OUTBOX_LEASE_MS = 30_000;

export class OutboxWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private again = false;
  private readonly pollMs: number;
  private readonly batchSize: number;
  private readonly maxBackoffMs: number;
  private readonly worker: string;
  private readonly leaseMs: number;
  private readonly destinationRetryMs: number;
  private readonly problems: DeliveryProblems | undefined;
  private readonly gate: Yielding | undefined;
  private readonly chain: Pick<ChainReader, 'auditLinkOf'> | undefined;

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
    this.worker = options.worker ?? 'local';
    this.leaseMs = options.leaseMs ?? OUTBOX_LEASE_MS;
    this.destinationRetryMs = options.destinationRetryMs ?? 60_000;
    this.problems = options.problems;
    this.gate = options.gate;
    this.chain = options.chain;
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

  /**
   * Claims the next row of each queue (a request's rows of one lane; the bot's own rows)
   * and delivers them, again while any was delivered: a queue's rows go out
   * one after another, in order. Resolves with how many were delivered.
   */
  private async drain(): Promise<number> {
    let delivered = 0;
    // One deadline for the whole pass: a stream of commands delays it by the gate's bound, not by that bound per row.
    const deadline = this.gate?.deadline();
    for (;;) {
      const rows = await this.store.claimOutbox(this.worker, this.clock.now(), this.leaseMs, this.batchSize);
      let progress = 0;
      for (const row of rows) {
        // Claimed rows are leased: a wait here (at most until the pass's deadline, then one turn of the event loop) is far inside the lease.
        await this.gate?.wait(deadline, BACKGROUND_STREAM);
        if (await this.deliver(row)) progress++;
      }
      delivered += progress;
      // Nothing claimed, or every claimed row failed (and waits for its retry): done for now.
      if (progress === 0) return delivered;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private anchored(notification: Notification): Promise<Notification> {
    return this.chain ? linked(notification, this.chain) : Promise.resolve(notification);
  }

  private async deliver(row: OutboxRow): Promise<boolean> {
    const journal = new OutboxJournal(this.store, row.id);
    try {
      const notification = await this.anchored(row.notification);
      const refs = await this.notifier.deliver(notification, row.requestId === undefined ? [] : await this.store.messageRefs(row.requestId), journal);
      crashPoint('outbox-delivered-before-committed');
      await this.store.markDelivered(row.id, refs, journal.heldPosts());
      this.problems?.delivered(row.id);
      return true;
    } catch (error) {
      const refused = error instanceof DestinationError ? error : undefined;
      const retryAfterMs = retryAfterOf(error);
      const longest = refused ? Math.min(this.maxBackoffMs, this.destinationRetryMs) : this.maxBackoffMs;
      const backoff = retryAfterMs ?? Math.min(longest, 1000 * 2 ** Math.min(row.attempts, 16));
      const message = error instanceof Error ? error.message : String(error);
      // What was posted before the failure is recorded first: the retry updates those posts, no lookup needed.
      await journal.flush();
      await this.store.markRetry(row.id, message, this.clock.now() + backoff);
      // A refused destination is logged once, with its fix, by DeliveryProblems; not on every retry.
      if (refused && this.problems) {
        this.problems.refused(row.id, refused);
        return false;
      }
      this.logger.warn(
        logEvent('outbox.retry', { request: row.requestId, attempts: row.attempts + 1, retry_ms: backoff }),
        `outbox row ${row.id} (${row.notification.kind}, request ${row.requestId ?? 'none'}) failed, retry in ${backoff} ms: ${message}`,
      );
      return false;
    }
  }
}

/** An audit event's notification with the (seq, hash) of its row, read as it goes out (the row was written with the notification). */
async function linked(notification: Notification, chain: Pick<ChainReader, 'auditLinkOf'>): Promise<Notification> {
  if (notification.kind !== 'audit' && notification.kind !== 'alert' && notification.kind !== 'system') return notification;
  const link = await chain.auditLinkOf(notification.event);
  return link === undefined ? notification : { ...notification, chain: link };
}

/** @slack/web-api's rate-limit error carries `retryAfter` in seconds. */
function retryAfterOf(error: unknown): number | undefined {
  const seconds = (error as { retryAfter?: unknown } | undefined)?.retryAfter;
  return typeof seconds === 'number' && seconds >= 0 ? seconds * 1000 : undefined;
}
