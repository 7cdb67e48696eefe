// The WAL checkpoints the store hands to a worker thread (src/store/checkpoint.ts):
// the store's own connection never checkpoints, the WAL stays bounded under a
// stream of commits, the worker leaves when the WAL is quiet and comes back
// when it changes, and a crash between checkpoints loses no commit.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { CheckpointResult } from '../../src/store/checkpoint.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { makeTempDir, removeDir, seedRequest } from './fixtures.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = makeTempDir();
  file = path.join(dir, 'jit.db');
});

afterEach(() => {
  removeDir(dir);
});

const walSize = (): number => (fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}

it('storeConnection_withBackgroundCheckpoints_neverCheckpointsInItsCommits', async () => {
  const store = SqliteStore.open(file);
  const raw = new BetterSqlite3(file);
  try {
    // The pragma is per connection: read it through the store's own, via its private handle.
    const own = (store as unknown as { db: BetterSqlite3.Database }).db;
    expect(own.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    expect(raw.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  } finally {
    raw.close();
    await store.close();
  }
});

it('walFile_underAStreamOfCommits_staysBelowTheBound', async () => {
  const bound = 1024 * 1024;
  const results: CheckpointResult[] = [];
  const store = SqliteStore.open(file, { checkpoints: { everyMs: 2, boundBytes: bound, onCheckpoint: (result) => results.push(result) } });
  let largest = 0;
  // About 14 pages of WAL a commit (the request, its audit event, its outbox row and their indexes): 2,000 commits write ~110 MB.
  for (let i = 0; i < 2000; i++) {
    await seedRequest(store, { id: `stream-${i}`, justification: 'x'.repeat(200) });
    // From the worker's first checkpoint on (it starts within 64 operations, and runs ~50 ms later).
    if (results.length > 0) largest = Math.max(largest, walSize());
    // Commits come in bursts with gaps (200 commands a second make ~2,000 commits a second), as in the bot.
    if (i % 10 === 0) await sleep(1);
  }
  expect(results.some((result) => result.mode === 'TRUNCATE')).toBe(true);
  // Bounded by what the loop writes during one checkpoint's fsyncs (milliseconds to tens of them on a busy disk), not by the stream.
  expect(largest).toBeGreaterThan(0);
  expect(largest).toBeLessThan(16 * bound);
  expect((await store.listRequests({})).length).toBe(2000);
  await store.close();
  // The last connection's close checkpoints and removes the WAL.
  expect(fs.existsSync(`${file}-wal`)).toBe(false);
});

it('truncate_pastTheBound_runsInTheWorker_whileTheStoresOperationsWaitForIt', async () => {
  const events: string[] = [];
  const store = SqliteStore.open(file, {
    checkpoints: { everyMs: 2, boundBytes: 64 * 1024, onCheckpoint: (result) => void (result.mode === 'TRUNCATE' && events.push('truncated')) },
  });
  const checkpointer = (store as unknown as { checkpointer: { held(): Promise<void> | undefined } }).checkpointer;
  let i = 0;
  // Commits until the store holds its operations back for a TRUNCATE (the worker asked for one past the bound).
  while (checkpointer.held() === undefined) {
    await seedRequest(store, { id: `fill-${i++}`, justification: 'x'.repeat(500) });
    if (i % 5 === 0) await sleep(1);
    if (i > 5000) throw new Error('the store never held its operations back for a TRUNCATE');
  }
  // Issued during the hold: both wait for the worker's TRUNCATE, then run in the order they came.
  const write = seedRequest(store, { id: 'during' }).then(() => events.push('written'));
  const read = store.getRequest('during').then((found) => events.push(found ? 'read: found' : 'read: missing'));
  await Promise.all([write, read]);
  // The TRUNCATE came first; the read found the write, issued before it (their promises settle in either order).
  expect(events.slice(-3)[0]).toBe('truncated');
  expect(events.slice(-2).sort()).toEqual(['read: found', 'written']);
  expect(checkpointer.held()).toBeUndefined();
  expect(await store.ping()).toBe(true);
  await store.close();
});

it('truncates_underManyOperationsInFlight_loseNoneAndFailNone', async () => {
  const results: CheckpointResult[] = [];
  const truncates = () => results.filter((result) => result.mode === 'TRUNCATE');
  const store = SqliteStore.open(file, { checkpoints: { everyMs: 2, boundBytes: 32 * 1024, onCheckpoint: (result) => results.push(result) } });
  let written = 0;
  // Twenty writers at once, each reading back what it wrote, as the bot's use cases and outbox do beside
  // each other, until the worker has truncated three times (each with operations held back).
  await Promise.all(
    Array.from({ length: 20 }, async (_, writer) => {
      for (let i = 0; truncates().length < 3; i++) {
        if (i > 2000) throw new Error(`only ${truncates().length} TRUNCATEs after ${written} commits`);
        const id = `w${writer}-${i}`;
        await seedRequest(store, { id, justification: 'y'.repeat(300) });
        written++;
        expect((await store.getRequest(id))?.id).toBe(id);
        // Gaps between bursts (the worker's messages are handled in them), as between the bot's commands.
        if (i % 10 === 0) await sleep(1);
      }
    }),
  );
  expect(truncates().every((result) => result.busy === 0)).toBe(true);
  expect((await store.listRequests({})).length).toBe(written);
  await store.close();
});

it('worker_whenTheWalIsQuiet_leaves_andComesBackOnlyForNewWrites', async () => {
  const results: CheckpointResult[] = [];
  const store = SqliteStore.open(file, { checkpoints: { everyMs: 5, idleMs: 50, lookAfter: 4, onCheckpoint: (result) => results.push(result) } });
  const checkpointer = (store as unknown as { checkpointer: { running: boolean } }).checkpointer;
  const reads = async (n: number) => {
    for (let i = 0; i < n; i++) await store.getRequest('first');
  };
  await seedRequest(store, { id: 'first' });
  await reads(3);
  await until(() => checkpointer.running);
  await until(() => !checkpointer.running);
  const seen = results.length;
  expect(seen).toBeGreaterThan(0);
  // Reads only (health checks, metrics): the WAL has not changed, the worker stays away.
  await reads(40);
  await sleep(30);
  expect(checkpointer.running).toBe(false);
  await seedRequest(store, { id: 'second' });
  await reads(3);
  await until(() => results.length > seen);
  // Everything is in the database file: a fresh connection's checkpoint finds nothing left to copy.
  await until(() => !checkpointer.running);
  const raw = new BetterSqlite3(file);
  try {
    const [result] = raw.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>;
    expect(result!.checkpointed).toBe(result!.log);
  } finally {
    raw.close();
  }
  await store.close();
});

it('crash_betweenCheckpoints_losesNoCommit', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'checkpoint-child.ts'), file], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const committed: string[] = [];
  let checkpoints = 0;
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith('committed ')) committed.push(line.slice('committed '.length));
      if (line.startsWith('checkpoint ')) checkpoints++;
    }
  });
  const exit = new Promise((resolve) => child.on('exit', resolve));
  // Killed mid-stream, after the worker has checkpointed (and the WAL has been started over) a few times.
  await until(() => checkpoints >= 3 && committed.length >= 1500, 30_000);
  child.kill('SIGKILL');
  await exit;

  const store = SqliteStore.open(file, { checkpoints: false });
  try {
    const stored = new Set((await store.listRequests({})).map((request) => request.id));
    for (const id of committed) expect(stored.has(id)).toBe(true);
    expect(await store.verifyAuditChain()).toMatchObject({ ok: true });
    expect((await store.pendingOutbox(100_000)).length).toBe(stored.size);
  } finally {
    await store.close();
  }
  const raw = new BetterSqlite3(file, { readonly: true });
  try {
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
  } finally {
    raw.close();
  }
}, 60_000);

it('close_inAProcessWithNothingElseToDo_waitsForTheWorker_andRemovesTheWal', async () => {
  // A process whose only handle is the (unreferenced) worker: close must keep it alive until the worker is gone.
  const script = `
    import { SqliteStore } from ${JSON.stringify(path.resolve(import.meta.dirname, '../../src/store/sqlite-store.ts'))};
    import { seedRequest } from ${JSON.stringify(path.resolve(import.meta.dirname, 'fixtures.ts'))};
    const store = SqliteStore.open(process.argv[1], { checkpoints: { lookAfter: 1 } });
    for (let i = 0; i < 20; i++) await seedRequest(store, { id: 'close-' + i });
    while (!store.checkpointer.running) await new Promise((resolve) => setTimeout(resolve, 5));
    await store.close();
    process.stdout.write('closed');
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, file], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  expect({ code, output }).toEqual({ code: 0, output: 'closed' });
  expect(fs.existsSync(`${file}-wal`)).toBe(false);
}, 30_000);
