// Delivers the audit chain to one sink, in seq order, at least once. The chain
// is the outbox: the sink's cursor (last seq settled) moves only after the sink
// accepted the event, so a crash, a restart or a takeover by another replica
// sends again what was not yet recorded as delivered, never skips. A failed
// event is retried with backoff (persisted in the cursor: a restart does not
// hammer the sink) and, after `maxAttempts`, dead-lettered: the cursor moves
// past it in the same transaction, and the first dead letter of a streak chains
// one `stream.dead_lettered` (an @here in the audit channel, itself streamed);
// the next delivery after a streak chains `stream.recovered`. One replica at a
// time delivers a sink: the one holding the lease `events:<sink>`.

import type { ChainRow } from '../domain/audit-chain.js';
import { retryDelayMs, SinkError, streamEvent } from '../domain/event-stream.js';
import type { SystemEvent } from '../domain/types.js';
import type { Clock } from '../ports/clock.js';
import type { EventSink, EventStreamStore, SinkCursor } from '../ports/event-stream.js';
import { logEvent } from '../ports/log-event.js';
import type { Logger } from '../ports/logger.js';
import type { LeaseStore } from '../ports/store.js';

/**
 * How long a replica's hold on a sink lasts without renewal: a dead replica's
 * sink is taken over after it. Renewed before an event once a quarter of it
 * has passed, so one slow event (a connect and a write, 10 s each at most)
 * never outlives it.
 */
export const STREAM_LEASE_MS = 60_000;
const BATCH = 100;

export interface SinkDeliveryOptions {
  sink: EventSink;
  store: EventStreamStore;
  leases: LeaseStore;
  /** This replica's id: the lease holder. */
  holder: string;
  clock: Clock;
  logger: Logger;
  /** Attempts at one event before it is dead-lettered (JIT_EVENT_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** Where a sink seen for the first time starts (JIT_EVENT_START). */
  start: 'beginning' | 'now';
  /** Wakes the outbox after a dead letter or a recovery queued an audit-channel post. */
  notified?: () => void;
  /** Where lag and dead letters are counted (metrics). */
  observer?: StreamObserver;
  /** [0, 1): the backoff's jitter. */
  random?: () => number;
  leaseMs?: number;
  batchSize?: number;
}

export interface StreamObserver {
  lag(sink: string, events: number): void;
  deadLettered(sink: string): void;
}

/** What one pass did. */
export interface PassReport {
  /** False when another replica holds the sink (nothing was tried). */
  held: boolean;
  delivered: number;
  deadLettered: number;
}

export class SinkDelivery {
  private leaseUntil = 0;
  private halted = false;
  private running: Promise<PassReport> | undefined;

  constructor(private readonly options: SinkDeliveryOptions) {}

  get sink(): EventSink {
    return this.options.sink;
  }

  /** Delivers what is due, in order, until the chain's end, a failure to retry later, or the lease is lost; a pass asked for while one runs joins it. */
  pass(): Promise<PassReport> {
    this.running ??= this.deliverDue().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async deliverDue(): Promise<PassReport> {
    const report: PassReport = { held: false, delivered: 0, deadLettered: 0 };
    if (this.halted || !(await this.holdLease())) return report;
    report.held = true;
    const { store, sink, start, clock, batchSize = BATCH } = this.options;
    let cursor: SinkCursor | undefined = await store.openCursor(sink.name, start);
    try {
      if (cursor.nextAttemptAt > clock.now()) return report;
      while (cursor !== undefined) {
        const rows = await store.chainAfter(cursor.seq, batchSize);
        if (rows.length === 0) return report;
        for (const row of rows) {
          if (this.halted || !(await this.holdLease())) return report;
          const before: SinkCursor = cursor;
          cursor = await this.one(before, row);
          if (cursor === undefined) return report;
          if (cursor.deadStreak > before.deadStreak) report.deadLettered++;
          else report.delivered++;
        }
      }
      return report;
    } finally {
      // A gauge, best effort: a failed read must not hide why the pass ended.
      await this.observeLag().catch(() => undefined);
    }
  }

  /** Stops after the event in flight (at once: the flag is set before the first await); gives the lease up so another replica takes over. */
  async halt(): Promise<void> {
    this.halted = true;
    await this.running?.catch(() => undefined);
    if (this.leaseUntil > 0) await this.options.leases.releaseLease(this.leaseName(), this.options.holder).catch(() => undefined);
    this.leaseUntil = 0;
  }

  /** Sends one row; the cursor after it, or undefined when it is to be retried later (or another writer moved the cursor). */
  private async one(cursor: SinkCursor, row: ChainRow): Promise<SinkCursor | undefined> {
    const { sink, store, logger } = this.options;
    try {
      await sink.deliver(streamEvent(row));
    } catch (error) {
      return this.failed(cursor, row, error);
    }
    const recovered = cursor.deadStreak > 0 ? this.systemEvent('stream.recovered', recoveredDetail(sink, cursor.deadStreak)) : undefined;
    if (!(await store.delivered({ sink: sink.name, from: cursor.seq, seq: row.seq }, recovered))) return undefined;
    if (recovered) {
      logger.info(logEvent('stream.recovered', { sink: sink.name, seq: row.seq }), recovered.detail);
      this.options.notified?.();
    }
    if (cursor.attempts > 0)
      logger.info(
        logEvent('stream.delivered', { sink: sink.name, seq: row.seq }),
        `${sink.name} sink took event #${row.seq} after ${cursor.attempts + 1} attempts`,
      );
    return { ...cursor, seq: row.seq, attempts: 0, nextAttemptAt: 0, lastError: null, deadStreak: 0 };
  }

  private async failed(cursor: SinkCursor, row: ChainRow, error: unknown): Promise<SinkCursor | undefined> {
    const { sink, store, clock, logger, maxAttempts } = this.options;
    const message = error instanceof Error ? error.message : String(error);
    const attempts = cursor.attempts + 1;
    const now = clock.now();
    if (attempts < maxAttempts) {
      const delay = retryDelayMs(attempts, (this.options.random ?? Math.random)(), error instanceof SinkError ? error.retryAfterMs : undefined);
      await store.failed(sink.name, cursor.seq, attempts, now + delay, message);
      const line = `${sink.name} sink (${sink.target}) failed event #${row.seq} (attempt ${attempts} of ${maxAttempts}): ${message}; trying again in ${Math.ceil(delay / 1000)}s`;
      if (attempts === 1) logger.warn(logEvent('stream.retry', { sink: sink.name, seq: row.seq }), line);
      else logger.debug(logEvent('stream.retry', { sink: sink.name, seq: row.seq }), line);
      return undefined;
    }
    const detail = deadDetail(sink, row, attempts, message);
    const report = cursor.deadStreak === 0 ? this.systemEvent('stream.dead_lettered', detail) : undefined;
    const letter = { sink: sink.name, seq: row.seq, attempts, lastError: message, at: now };
    if (!(await store.deadLettered({ sink: sink.name, from: cursor.seq, seq: row.seq }, letter, report))) return undefined;
    logger.error(logEvent('stream.dead_lettered', { sink: sink.name, seq: row.seq }), `event stream: ${detail}`);
    this.options.observer?.deadLettered(sink.name);
    if (report) this.options.notified?.();
    return { ...cursor, seq: row.seq, attempts: 0, nextAttemptAt: 0, lastError: message, deadStreak: cursor.deadStreak + 1 };
  }

  private systemEvent(name: SystemEvent['name'], detail: string): SystemEvent {
    return { name, actor: 'system', at: this.options.clock.now(), detail };
  }

  /** Takes or renews the sink's lease once a quarter of it has passed; false when another replica holds it. */
  private async holdLease(): Promise<boolean> {
    const { leases, holder, clock, leaseMs = STREAM_LEASE_MS } = this.options;
    const now = clock.now();
    if (this.leaseUntil - now > (leaseMs * 3) / 4) return true;
    const lease = await leases.acquireLease(this.leaseName(), holder, now, leaseMs);
    this.leaseUntil = lease.holder === holder ? lease.expiresAt : 0;
    return this.leaseUntil > 0;
  }

  private leaseName(): string {
    return `events:${this.options.sink.name}`;
  }

  private async observeLag(): Promise<void> {
    const { observer, store, sink } = this.options;
    if (!observer) return;
    const [head, cursor] = await Promise.all([store.headSeq(), store.openCursor(sink.name, this.options.start)]);
    observer.lag(sink.name, Math.max(0, head - cursor.seq));
  }
}

function deadDetail(sink: EventSink, row: ChainRow, attempts: number, error: string): string {
  return (
    `the ${sink.name} sink (${sink.target}) gave up on event #${row.seq} (${row.name}) after ${attempts} attempts: ${error}. ` +
    'Events it gives up on until it delivers again are not reported one by one'
  );
}

function recoveredDetail(sink: EventSink, dead: number): string {
  return (
    `the ${sink.name} sink (${sink.target}) delivers again; ${dead} event${dead === 1 ? ' was' : 's were'} dead-lettered before it did ` +
    `(\`jit events status\` lists them; \`jit events replay ${sink.name} --from <seq>\` sends them again)`
  );
}
