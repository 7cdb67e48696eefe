// The outbox worker delivers each row once, whoever asks for a pass: its own
// poll, a kick after a transition, or a flush (graceful shutdown, tests).

import { afterEach, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { OutboxWorker } from '../../src/workflow/outbox-worker.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { MemoryNotifier, type Notification, type Notifier, type PostedStep, type PostJournal } from '../../src/ports/notifier.js';
import { FakeClock } from '../support/fake-clock.js';
import { makeRequest } from '../store/fixtures.js';

/** A notifier that records each delivery and answers only when released, so passes overlap for real. */
class GatedNotifier implements Notifier {
  readonly delivered: Notification[] = [];
  private waiting: (() => void)[] = [];

  async deliver(notification: Notification): Promise<[]> {
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.delivered.push(notification);
    return [];
  }

  get pending(): number {
    return this.waiting.length;
  }

  release(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}

let store: SqliteStore | undefined;
afterEach(() => {
  store?.close();
  store = undefined;
});

const settle = () => new Promise((resolve) => setImmediate(resolve));

it('flush_whileAKickedPassIsDelivering_deliversEachRowOnce', async () => {
  store = SqliteStore.open(':memory:');
  const request = makeRequest({ id: 'k7m2qp' });
  const dm: Notification = { kind: 'requester_dm', event: 'grant.opened', request };
  await store.insertRequest(request, [], [dm]);
  const notifier = new GatedNotifier();
  const worker = new OutboxWorker(store, notifier, new FakeClock(), createLogger({ write: () => undefined }));

  worker.kick(); // a transition's kick: its pass is now waiting on Slack
  await settle();
  expect(notifier.pending).toBe(1);
  const flushed = worker.flush(5_000); // shutdown (or a test) flushes meanwhile
  await settle();
  notifier.release();
  await settle();
  notifier.release();
  await flushed;

  expect(notifier.delivered).toEqual([dm]);
  expect(await store.pendingOutbox(10)).toEqual([]);
});

it('kick_whileFlushIsDelivering_deliversEachRowOnce', async () => {
  store = SqliteStore.open(':memory:');
  const request = makeRequest({ id: 'k7m2qp' });
  const dm: Notification = { kind: 'requester_dm', event: 'grant.closed', request };
  await store.insertRequest(request, [], [dm]);
  const notifier = new GatedNotifier();
  const worker = new OutboxWorker(store, notifier, new FakeClock(), createLogger({ write: () => undefined }));

  const flushed = worker.flush(5_000);
  await settle();
  expect(notifier.pending).toBe(1);
  worker.kick(); // a transition during the flush
  await settle();
  notifier.release();
  await settle();
  notifier.release();
  await flushed;

  expect(notifier.delivered).toEqual([dm]);
});

it('aFailedDelivery_holdsBackTheLaterRowsOfItsRequest_butNotOtherRequests', async () => {
  store = SqliteStore.open(':memory:');
  const first = makeRequest({ id: 'k7m2qp' });
  const second = makeRequest({ id: 'p3x9qt' });
  const opened: Notification = { kind: 'requester_dm', event: 'grant.opened', request: first };
  const closed: Notification = { kind: 'requester_dm', event: 'grant.closed', request: first };
  const other: Notification = { kind: 'requester_dm', event: 'grant.opened', request: second };
  await store.insertRequest(first, [], [opened, closed]);
  await store.insertRequest(second, [], [other]);
  const notifier = new MemoryNotifier();
  notifier.failNext('Slack is down');
  const clock = new FakeClock();
  const worker = new OutboxWorker(store, notifier, clock, createLogger({ write: () => undefined }));

  await worker.flush(1_000);
  // The first row of k7m2qp failed: its second waits behind it; p3x9qt's went out.
  expect(notifier.delivered).toEqual([other]);

  clock.advance(60_000);
  await worker.flush(1_000);
  expect(notifier.delivered).toEqual([other, opened, closed]);
  expect(await store.pendingOutbox(10)).toEqual([]);
});

it('severalWorkersOnOneOutbox_deliverEachRowOnce_inEachRequestsOrder', async () => {
  store = SqliteStore.open(':memory:');
  const requests = ['a2c4e6', 'b3d5f7', 'c4e6g8'].map((id) => makeRequest({ id }));
  for (const request of requests) {
    await store.insertRequest(
      request,
      [],
      (['request.created', 'request.approved', 'grant.opened'] as const).map((event) => ({ kind: 'requester_dm', event, request })),
    );
  }
  const delivered: Array<[worker: string, id: string, event: string]> = [];
  const notifierOf = (worker: string): Notifier => ({
    async deliver(notification) {
      await settle();
      if (notification.kind === 'requester_dm') delivered.push([worker, notification.request.id, notification.event]);
      return [];
    },
  });
  const clock = new FakeClock();
  const logger = createLogger({ write: () => undefined });
  const workers = ['one', 'two', 'three'].map((name) => new OutboxWorker(store!, notifierOf(name), clock, logger, { worker: name, batchSize: 1 }));

  await Promise.all(workers.map((worker) => worker.flush(5_000)));

  expect(delivered).toHaveLength(9);
  for (const request of requests) {
    expect(delivered.filter(([, id]) => id === request.id).map(([, , event]) => event)).toEqual(['request.created', 'request.approved', 'grant.opened']);
  }
  // Spread over the workers, not all taken by the first.
  expect(new Set(delivered.map(([worker]) => worker)).size).toBeGreaterThan(1);
});

it('aDeadWorkersClaim_isTakenOverOnceItsLeaseRunsOut', async () => {
  store = SqliteStore.open(':memory:');
  const request = makeRequest({ id: 'd5f7h9' });
  const dm: Notification = { kind: 'requester_dm', event: 'grant.opened', request };
  await store.insertRequest(request, [], [dm]);
  const clock = new FakeClock();
  // The dead replica claimed the row and never came back.
  await store.claimOutbox('dead', clock.now(), 30_000, 10);
  const notifier = new MemoryNotifier();
  const survivor = new OutboxWorker(store, notifier, clock, createLogger({ write: () => undefined }), { worker: 'alive', leaseMs: 30_000 });

  await survivor.flush(1_000);
  expect(notifier.delivered).toEqual([]);

  clock.advance(30_000);
  await survivor.flush(1_000);
  expect(notifier.delivered).toEqual([dm]);
});

/** A notifier that posts each step through the journal as the Slack notifier does (claim, post, record), failing when told. */
class JournallingNotifier implements Notifier {
  failAfter: string | undefined;

  async deliver(_notification: Notification, _refs: unknown, journal: PostJournal): Promise<[]> {
    for (const step of ['audit', 'reply']) {
      if ((await journal.posts()).some((post) => post.step === step && post.ts !== undefined)) continue;
      await journal.claim(step, 'CAUDIT');
      await journal.record(step, 'CAUDIT', `1.${step.length}`);
      if (this.failAfter === step) throw new Error('Slack went away');
    }
    return [];
  }
}

/** The store's outbox writes, in order, by name (spied on the real SQLite store). */
function writesOf(spied: SqliteStore): string[] {
  const writes: string[] = [];
  for (const name of ['claimPost', 'recordPost', 'markDelivered', 'markRetry'] as const) {
    const real = spied[name].bind(spied) as (...args: unknown[]) => Promise<void>;
    (spied as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      writes.push(name === 'markDelivered' ? `markDelivered(${(args[2] as PostedStep[]).map((post) => post.step).join(',')})` : name);
      return real(...args);
    };
  }
  return writes;
}

it('aDeliveredRow_recordsItsPostsWithTheDelivery_inOneWrite', async () => {
  store = SqliteStore.open(':memory:');
  const request = makeRequest({ id: 'k7m2qp' });
  await store.insertRequest(request, [], [{ kind: 'requester_dm', event: 'grant.opened', request }]);
  const writes = writesOf(store);
  const worker = new OutboxWorker(store, new JournallingNotifier(), new FakeClock(), createLogger({ write: () => undefined }));

  await worker.flush(5_000);

  // Each claim committed before its post; the ts of both posts ride on the delivery's transaction.
  expect(writes).toEqual(['claimPost', 'claimPost', 'markDelivered(audit,reply)']);
  expect((await store.outboxPosts(1)).map((post) => [post.step, post.ts])).toEqual([
    ['audit', '1.5'],
    ['reply', '1.5'],
  ]);
  expect(await store.pendingOutbox(10)).toEqual([]);
});

it('aFailedDelivery_recordsWhatItPosted_beforeItsRetry_andTheRetryPostsNothingAgain', async () => {
  store = SqliteStore.open(':memory:');
  const request = makeRequest({ id: 'k7m2qp' });
  await store.insertRequest(request, [], [{ kind: 'requester_dm', event: 'grant.opened', request }]);
  const writes = writesOf(store);
  const notifier = new JournallingNotifier();
  notifier.failAfter = 'reply';
  const clock = new FakeClock();
  const worker = new OutboxWorker(store, notifier, clock, createLogger({ write: () => undefined }));

  await worker.flush(5_000);
  expect(writes).toEqual(['claimPost', 'claimPost', 'recordPost', 'recordPost', 'markRetry']);
  expect((await store.outboxPosts(1)).every((post) => post.ts !== undefined)).toBe(true);

  notifier.failAfter = undefined;
  clock.advance(60_000);
  await worker.flush(5_000);
  // Both steps have their ts: the retry claims and posts nothing again.
  expect(writes.slice(5)).toEqual(['markDelivered()']);
});
