// The yield gate holds work back while Slack requests arrive, and never for
// longer than its bound: driven here with hand-turned timers (no real time).

import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { MemoryNotifier, type Notification } from '../../src/ports/notifier.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { OutboxWorker } from '../../src/workflow/outbox-worker.js';
import { BACKGROUND_STREAM, type GateTimers, YieldGate } from '../../src/workflow/yield-gate.js';
import { FakeClock } from '../support/fake-clock.js';
import { makeRequest } from '../store/fixtures.js';

/** Timers turned by hand: `turn()` runs the deferred callbacks (one event-loop turn), `advance()` moves the clock. */
class HandTimers implements GateTimers {
  time = 0;
  private deferred: (() => void)[] = [];
  private timers = new Map<number, { at: number; callback: () => void }>();
  private next = 1;

  now = () => this.time;
  setTimeout = (callback: () => void, ms: number) => {
    const id = this.next++;
    this.timers.set(id, { at: this.time + ms, callback });
    return id;
  };
  clearTimeout = (handle: unknown) => {
    this.timers.delete(handle as number);
  };
  defer = (callback: () => void) => {
    this.deferred.push(callback);
  };

  /** One turn of the event loop: the deferred callbacks, then the promise reactions they caused. */
  async turn(): Promise<void> {
    const now = this.deferred;
    this.deferred = [];
    for (const callback of now) callback();
    await flushMicrotasks();
  }

  /** Moves the clock, firing due timers, then turns the loop until nothing is deferred. */
  async advance(ms: number): Promise<void> {
    this.time += ms;
    for (const [id, timer] of [...this.timers]) {
      if (timer.at <= this.time) {
        this.timers.delete(id);
        timer.callback();
      }
    }
    await this.settle();
  }

  async settle(): Promise<void> {
    for (let i = 0; i < 1000 && this.deferred.length > 0; i++) await this.turn();
    await flushMicrotasks();
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** A gate for which two requests within 15 ms make a stream (the outbox's rule). */
function gate(timers: HandTimers) {
  return new YieldGate({ timers, maxDelayMs: 250, stream: BACKGROUND_STREAM });
}

describe('YieldGate', () => {
  it('wait_whenNoRequestArrives_passesOnTheNextTurn', async () => {
    const timers = new HandTimers();
    const g = gate(timers);
    let passed = false;
    void g.wait().then(() => (passed = true));
    await flushMicrotasks();
    expect(passed).toBe(false); // never in the same turn: a request already read is acked first
    await timers.turn();
    expect(passed).toBe(true);
  });

  it('wait_aLoneRequestBeingAnswered_holdsUntilItsAnswerIsSent', async () => {
    const timers = new HandTimers();
    const g = gate(timers);
    const answered = g.arrived();
    let passed = false;
    void g.wait().then(() => (passed = true));
    await timers.settle();
    expect(passed).toBe(false);
    timers.time += 1;
    answered();
    await timers.settle();
    // One request is no stream: its work goes as soon as it is answered.
    expect(passed).toBe(true);
  });

  it('wait_aStreamOfRequests_holdsUntilTheStreamStops', async () => {
    const timers = new HandTimers();
    const g = gate(timers);
    g.arrived()();
    timers.time += 2;
    g.arrived()();
    let passed = false;
    void g.wait().then(() => (passed = true));
    await timers.settle();
    expect(passed).toBe(false);
    await timers.advance(12); // 14 ms after the first request
    expect(passed).toBe(false);
    await timers.advance(1); // 15 ms after it, and no third one: the stream has paused
    expect(passed).toBe(true);
  });

  it('wait_aClientThatWaitsForEachReply_isNotAStreamForACommandsWork', async () => {
    const timers = new HandTimers();
    const g = new YieldGate({ timers, maxDelayMs: 250 }); // the command's rule: two requests within 6 ms
    g.arrived()();
    timers.time += 7;
    g.arrived()(); // the next command, 7 ms later, once the last was answered
    let passed = false;
    void g.wait().then(() => (passed = true));
    await timers.turn();
    expect(passed).toBe(true);
    // Another 1 ms later (a second client): now it is a stream, and the next wait holds until it pauses.
    timers.time += 1;
    g.arrived()();
    passed = false;
    void g.wait().then(() => (passed = true));
    await timers.settle();
    expect(passed).toBe(false);
    await timers.advance(5); // 6 ms after the first of the two
    expect(passed).toBe(true);
  });

  it('wait_aStreamThatNeverStops_passesAtItsDeadline', async () => {
    const timers = new HandTimers();
    const g = gate(timers);
    g.arrived()();
    let passedAt: number | undefined;
    void g.wait().then(() => (passedAt = timers.time));
    // A command every 5 ms, each answered 1 ms later, for two seconds: always busy.
    for (let t = 0; t < 2000 && passedAt === undefined; t += 5) {
      const answered = g.arrived();
      await timers.advance(1);
      answered();
      await timers.advance(4);
    }
    expect(passedAt).toBeDefined();
    expect(passedAt!).toBeLessThanOrEqual(250);
    expect(passedAt!).toBeGreaterThanOrEqual(245);
  });

  it('wait_severalDue_passesOnePerTurn', async () => {
    const timers = new HandTimers();
    const g = gate(timers);
    const answered = g.arrived(); // a request being answered the whole time
    const passed: number[] = [];
    for (const n of [1, 2, 3]) void g.wait().then(() => passed.push(n));
    timers.time = 250;
    await timers.advance(0);
    expect(passed).toEqual([1, 2, 3]);
    // …but one per turn, so requests read meanwhile are acked between them:
    const turns: number[][] = [];
    for (const n of [4, 5, 6]) void g.wait(timers.time).then(() => passed.push(n));
    for (let i = 0; i < 3; i++) {
      await timers.turn();
      turns.push([...passed.slice(3)]);
    }
    expect(turns).toEqual([[4], [4, 5], [4, 5, 6]]);
    answered();
  });

  it('wait_earlierDeadline_passesFirst', async () => {
    const timers = new HandTimers();
    const g = gate(timers);
    g.arrived(); // never answered: busy until each deadline
    const passed: string[] = [];
    void g.wait(200).then(() => passed.push('late'));
    void g.wait(100).then(() => passed.push('early'));
    await timers.advance(100);
    expect(passed).toEqual(['early']);
    await timers.advance(100);
    expect(passed).toEqual(['early', 'late']);
  });

  it('wait_aCommandsReply_doesNotWaitBehindTheOutbox', async () => {
    const timers = new HandTimers();
    const g = new YieldGate({ timers, maxDelayMs: 250 }); // commands: two requests within 6 ms
    g.arrived()();
    timers.time += 8;
    g.arrived()(); // 8 ms apart: a stream for the outbox (15 ms), not for a command's reply
    const passed: string[] = [];
    void g.wait(timers.time + 100, BACKGROUND_STREAM).then(() => passed.push('outbox'));
    void g.wait().then(() => passed.push('reply'));
    await timers.settle();
    expect(passed).toEqual(['reply']);
    await timers.advance(15);
    expect(passed).toEqual(['reply', 'outbox']);
  });

  it('open_withWorkHeldBack_runsItAndResolvesWhenItFinished', async () => {
    const timers = new HandTimers();
    const g = gate(timers);
    g.arrived(); // busy
    const done: number[] = [];
    void g.run(async () => void done.push(1));
    void g.run(async () => {
      await flushMicrotasks();
      done.push(2);
    });
    await timers.settle();
    expect(done).toEqual([]);
    expect(g.waiting()).toBe(2);
    let opened = false;
    const opening = g.open().then(() => (opened = true));
    await timers.settle();
    await opening;
    expect(opened).toBe(true);
    expect(done.sort()).toEqual([1, 2]);
    // Open for good: later work does not wait either.
    g.arrived();
    let later = false;
    void g.wait().then(() => (later = true));
    await timers.turn();
    expect(later).toBe(true);
  });
});

describe('OutboxWorker with a yield gate', () => {
  const logger = createLogger({ write: () => undefined });

  async function storeWithRows(n: number): Promise<{ store: SqliteStore; rows: Notification[] }> {
    const store = SqliteStore.open(':memory:');
    const rows: Notification[] = [];
    for (let i = 0; i < n; i++) {
      const request = makeRequest({ id: `k7m2q${'23456789ab'[i]}` });
      const dm: Notification = { kind: 'requester_dm', event: 'grant.opened', request };
      rows.push(dm);
      await store.insertRequest(request, [], [dm]);
    }
    return { store, rows };
  }

  it('kick_whileCommandsKeepArriving_deliversEverythingByTheBound', async () => {
    const { store, rows } = await storeWithRows(5);
    const timers = new HandTimers();
    const g = gate(timers);
    const notifier = new MemoryNotifier();
    const worker = new OutboxWorker(store, notifier, new FakeClock(), logger, { gate: g });
    try {
      // Commands arrive every 5 ms for the whole test: the gate never sees a quiet moment.
      const stream = async (ms: number) => {
        for (let t = 0; t < ms; t += 5) {
          const answered = g.arrived();
          await timers.advance(1);
          answered();
          await timers.advance(4);
        }
      };
      g.arrived()();
      worker.kick();
      await stream(100);
      expect(notifier.delivered).toEqual([]); // held back while acks are due
      await stream(155); // 255 ms after the kick
      expect(notifier.delivered).toEqual(rows); // all delivered within the bound, in order
      expect(await store.pendingOutbox(10)).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('stop_withAPassHeldBack_deliversOnceTheGateOpens', async () => {
    const { store, rows } = await storeWithRows(2);
    const timers = new HandTimers();
    const g = gate(timers);
    const notifier = new MemoryNotifier();
    const worker = new OutboxWorker(store, notifier, new FakeClock(), logger, { gate: g });
    try {
      g.arrived(); // a request being answered: busy
      worker.kick();
      await timers.settle();
      expect(notifier.delivered).toEqual([]);
      // Shutdown, as bot.stop() does it: open the gate, then stop and flush the outbox.
      const opening = g.open();
      const stopping = worker.stop().then(() => worker.flush(5000));
      await timers.settle();
      await opening;
      await stopping;
      expect(notifier.delivered).toEqual(rows);
    } finally {
      store.close();
    }
  });
});
