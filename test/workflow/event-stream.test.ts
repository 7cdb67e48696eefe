// The delivery loop over a real SQLite file (and, for two replicas, a real
// PostgreSQL schema): in order, at least once across a failure and a restart,
// backoff persisted in the cursor, dead letters after N attempts with one
// report per streak and a recovery after it, and two replicas delivering each
// event once under the sink's lease.

import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SinkError, type StreamEvent } from '../../src/domain/event-stream.js';
import type { SystemEvent } from '../../src/domain/types.js';
import { ManualClock } from '../../src/ports/clock.js';
import type { EventSink, EventStreamStore, SinkName } from '../../src/ports/event-stream.js';
import { MemoryLogger } from '../../src/ports/logger.js';
import type { LeaseStore, Store } from '../../src/ports/store.js';
import { SqliteEventStreamStore } from '../../src/store/event-stream.js';
import { PgEventStreamStore } from '../../src/store/postgres/event-stream.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { SinkDelivery, STREAM_LEASE_MS } from '../../src/workflow/event-stream.js';
import { PG_URL, pgScratch, pgWanted } from '../support/postgres.js';
import { makeTempDir, removeDir } from '../store/fixtures.js';

const T0 = Date.UTC(2026, 11, 5, 10, 0, 0);

/** The in-memory twin of a sink: keeps what it accepted, refuses on demand. */
class RecordingSink implements EventSink {
  readonly target = 'memory://test';
  readonly received: StreamEvent[] = [];
  attempts = 0;
  failing: SinkError | undefined;

  constructor(readonly name: SinkName = 'webhook') {}

  async deliver(event: StreamEvent): Promise<void> {
    this.attempts++;
    if (this.failing) throw this.failing;
    this.received.push(event);
  }

  async close(): Promise<void> {}

  seqs(): number[] {
    return this.received.map((event) => event.seq);
  }
}

function drift(n: number): SystemEvent {
  return { name: 'drift.orphan_closed', actor: 'system', at: T0 + n, detail: `rule ${n}` };
}

async function record(store: Store, from: number, to: number): Promise<void> {
  for (let n = from; n <= to; n++) await store.recordSystemEvent(drift(n), []);
}

describe('event stream delivery [sqlite]', () => {
  const dirs: string[] = [];
  const stores: SqliteStore[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const dir of dirs.splice(0)) removeDir(dir);
  });

  function file(): string {
    const dir = makeTempDir();
    dirs.push(dir);
    return path.join(dir, 'jit.db');
  }

  function open(at: string, clock: ManualClock): SqliteStore {
    const store = SqliteStore.open(at, { clock });
    stores.push(store);
    return store;
  }

  function delivery(
    store: SqliteStore,
    sink: EventSink,
    clock: ManualClock,
    options: { maxAttempts?: number; holder?: string; stream?: EventStreamStore; logger?: MemoryLogger; notified?: () => void } = {},
  ) {
    return new SinkDelivery({
      sink,
      store: options.stream ?? new SqliteEventStreamStore(store),
      leases: store,
      holder: options.holder ?? 'replica-a',
      clock,
      logger: options.logger ?? new MemoryLogger(),
      maxAttempts: options.maxAttempts ?? 5,
      start: 'beginning',
      random: () => 0,
      batchSize: 2,
      ...(options.notified ? { notified: options.notified } : {}),
    });
  }

  it('pass_deliversTheWholeChainInSeqOrder_pagingThrough_andNothingTwice', async () => {
    const clock = new ManualClock(T0);
    const store = open(file(), clock);
    await record(store, 1, 5);
    const sink = new RecordingSink();
    const stream = delivery(store, sink, clock);
    expect(await stream.pass()).toEqual({ held: true, delivered: 5, deadLettered: 0 });
    await record(store, 6, 6);
    await stream.pass();
    await stream.pass();
    expect(sink.seqs()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(sink.received.map((event) => event.prevHash).slice(1)).toEqual(sink.received.map((event) => event.hash).slice(0, -1));
  });

  it('failure_backsOffPersisted_andARestartedBotResumesAtTheFailedEvent', async () => {
    const clock = new ManualClock(T0);
    const at = file();
    const store = open(at, clock);
    await record(store, 1, 4);
    const sink = new RecordingSink();
    let calls = 0;
    const flaky = new RecordingSink();
    flaky.deliver = async (event) => {
      if (++calls === 3) throw new SinkError('HTTP 500');
      return sink.deliver(event);
    };
    const first = delivery(store, flaky, clock);
    expect(await first.pass()).toMatchObject({ delivered: 2 });
    const cursor = await new SqliteEventStreamStore(store).openCursor('webhook', 'beginning');
    expect(cursor).toMatchObject({ seq: 2, attempts: 1, nextAttemptAt: T0 + 500, lastError: 'HTTP 500' });
    // Due only after the backoff, even to a new bot over the same file.
    await store.close();
    stores.splice(stores.indexOf(store), 1);
    const reopened = open(at, clock);
    const second = delivery(reopened, sink, clock);
    await second.pass();
    expect(sink.seqs()).toEqual([1, 2]);
    clock.advance(500);
    await second.pass();
    expect(sink.seqs()).toEqual([1, 2, 3, 4]);
  });

  it('crashAfterTheSinkAcceptedButBeforeTheCursorMoved_sendsTheEventAgain', async () => {
    const clock = new ManualClock(T0);
    const at = file();
    const store = open(at, clock);
    await record(store, 1, 3);
    const sink = new RecordingSink();
    const real = new SqliteEventStreamStore(store);
    // The database goes away right after the sink took event 2.
    const crashing: EventStreamStore = Object.assign(Object.create(real) as EventStreamStore, {
      delivered: async (move: Parameters<EventStreamStore['delivered']>[0]) => {
        if (move.seq === 2) throw new Error('disk I/O error');
        return real.delivered(move);
      },
    });
    await expect(delivery(store, sink, clock, { stream: crashing }).pass()).rejects.toThrow('disk I/O error');
    expect(sink.seqs()).toEqual([1, 2]);
    await delivery(store, sink, clock).pass();
    expect(sink.seqs()).toEqual([1, 2, 2, 3]);
    expect(new Set(sink.received.map((event) => event.id)).size).toBe(3);
  });

  it('deadLetters_afterMaxAttempts_oneReportPerStreak_thenRecovered', async () => {
    const clock = new ManualClock(T0);
    const store = open(file(), clock);
    await record(store, 1, 2);
    const sink = new RecordingSink();
    sink.failing = new SinkError('HTTP 503');
    const logger = new MemoryLogger();
    let notified = 0;
    const stream = delivery(store, sink, clock, { maxAttempts: 2, logger, notified: () => notified++ });
    // Each event: one failure, the backoff, a second failure, dead-lettered; the report (seq 3) follows the same way.
    for (let round = 0; round < 12; round++) {
      await stream.pass();
      clock.advance(60_000);
    }
    const streamStore = new SqliteEventStreamStore(store);
    expect((await streamStore.deadLetters('webhook')).map((letter) => letter.seq)).toEqual([1, 2, 3]);
    expect((await streamStore.openCursor('webhook', 'beginning')).deadStreak).toBe(3);
    const names = () => store.systemEvents().then((events) => events.map((event) => event.name));
    expect((await names()).filter((name) => name.startsWith('stream.'))).toEqual(['stream.dead_lettered']);
    const [reported] = (await store.systemEvents()).filter((event) => event.name === 'stream.dead_lettered');
    expect(reported!.detail).toContain('gave up on event #1 (drift.orphan_closed) after 2 attempts: HTTP 503');
    expect(notified).toBe(1);
    expect(logger.lines.filter((line) => line.level === 'error')).toHaveLength(3);
    // The sink comes back: the next event goes, the recovery is chained and streamed too.
    sink.failing = undefined;
    await record(store, 4, 4);
    await stream.pass();
    expect(sink.seqs()).toEqual([4, 5]);
    expect(sink.received[1]!.name).toBe('stream.recovered');
    expect(sink.received[1]!.detail).toContain('3 events were dead-lettered');
    expect((await names()).filter((name) => name.startsWith('stream.'))).toEqual(['stream.dead_lettered', 'stream.recovered']);
    expect(notified).toBe(2);
    expect((await store.pendingOutbox(10)).map((row) => row.notification.kind)).toEqual(['system', 'system']);
  });

  it('longPass_renewsTheLease_soAnotherBotNeverTakesTheSinkOver', async () => {
    const clock = new ManualClock(T0);
    const at = file();
    const a = open(at, clock);
    const b = open(at, clock);
    await record(a, 1, 10);
    const sink = new RecordingSink();
    const other = new RecordingSink();
    const second = delivery(b, other, clock, { holder: 'b' });
    const tried: boolean[] = [];
    const slow = new RecordingSink();
    // Each event takes 20 s: the pass lasts 200 s, the lease 60 s.
    slow.deliver = async (event) => {
      clock.advance(20_000);
      tried.push((await second.pass()).held);
      return sink.deliver(event);
    };
    await delivery(a, slow, clock, { holder: 'a' }).pass();
    expect(sink.seqs()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(tried).toEqual(Array(10).fill(false));
    expect(other.received).toEqual([]);
  });

  it('halt_stopsAfterTheEventInFlight_andLetsTheOtherBotGoOnAtOnce', async () => {
    const clock = new ManualClock(T0);
    const at = file();
    const a = open(at, clock);
    const b = open(at, clock);
    await record(a, 1, 6);
    const sink = new RecordingSink();
    let halting: Promise<void> | undefined;
    const halts = new RecordingSink();
    const stopping = delivery(a, halts, clock, { holder: 'a' });
    // The bot stops while event 2 is being sent.
    halts.deliver = async (event) => {
      if (event.seq === 2) halting = stopping.halt();
      return sink.deliver(event);
    };
    await stopping.pass();
    await halting;
    expect(sink.seqs()).toEqual([1, 2]);
    expect(await delivery(b, sink, clock, { holder: 'b' }).pass()).toMatchObject({ held: true, delivered: 4 });
    expect(sink.seqs()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('twoBotsOverOneFile_deliverEachEventOnceInOrder_theLeaseHolderOnly', async () => {
    const clock = new ManualClock(T0);
    const at = file();
    const a = open(at, clock);
    const b = open(at, clock);
    const sink = new RecordingSink();
    const first = delivery(a, sink, clock, { holder: 'a' });
    const second = delivery(b, sink, clock, { holder: 'b' });
    for (let round = 1; round <= 5; round++) {
      await record(round % 2 ? a : b, round * 3 - 2, round * 3);
      const [one, two] = await Promise.all([first.pass(), second.pass()]);
      expect(one.held && two.held).toBe(false);
    }
    expect(sink.seqs()).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    // The holder stops: the other takes over at once and goes on from the cursor.
    await first.halt();
    await record(a, 16, 17);
    expect(await second.pass()).toMatchObject({ held: true });
    expect(sink.seqs().slice(-3)).toEqual([15, 16, 17]);
    expect(sink.seqs()).toHaveLength(17);
  });
});

describe.runIf(pgWanted)('event stream delivery [postgres]', () => {
  const scratch = pgScratch();

  it('twoReplicasOverOneDatabase_deliverEachEventOnceInOrder_andATakeoverAfterTheLeaseRunsOut', async () => {
    const clock = new ManualClock(T0);
    const schema = await scratch.schema();
    const a = scratch.track(await PostgresStore.open(PG_URL, { clock, schema, poolSize: 3 }));
    const b = scratch.track(await PostgresStore.open(PG_URL, { clock, schema, poolSize: 3 }));
    const sink = new RecordingSink('syslog');
    const make = (store: PostgresStore, holder: string) =>
      new SinkDelivery({
        sink,
        store: new PgEventStreamStore(store),
        leases: store as LeaseStore,
        holder,
        clock,
        logger: new MemoryLogger(),
        maxAttempts: 3,
        start: 'beginning',
        batchSize: 4,
      });
    const first = make(a, 'a');
    const second = make(b, 'b');
    for (let round = 1; round <= 4; round++) {
      await record(round % 2 ? a : b, round * 5 - 4, round * 5);
      await Promise.all([first.pass(), second.pass(), first.pass(), second.pass()]);
    }
    expect(sink.seqs()).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // The holder dies without letting go: after its lease runs out the other one goes on from the cursor.
    await record(a, 21, 22);
    expect(await second.pass()).toMatchObject({ held: false });
    clock.advance(STREAM_LEASE_MS + 1);
    expect(await second.pass()).toMatchObject({ held: true, delivered: 2 });
    expect(sink.seqs().slice(-3)).toEqual([20, 21, 22]);
    expect(sink.seqs()).toHaveLength(22);
  });
});
