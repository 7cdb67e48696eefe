// Real contention, not turns: several threads, each with its own connection to
// one WAL file, fire the same compare-and-swaps at once. busy_timeout and
// IMMEDIATE transactions must turn lock waits into clean losses, never errors
// or double wins.

import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { makeRequest, makeTempDir, removeDir } from './fixtures.js';

const WORKERS = 4;
const REQUESTS = 50;

let dir: string;

beforeEach(() => {
  dir = makeTempDir();
});

afterEach(() => {
  removeDir(dir);
});

function runWorker(data: object): Promise<string[]> {
  return new Promise((resolve, reject) => {
    // Worker threads do not inherit vitest's TypeScript loader; tsx loads the .ts entry.
    const entry = new URL('./race-worker.ts', import.meta.url).href;
    const boot = `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`;
    const worker = new Worker(boot, { eval: true, workerData: data });
    worker.once('message', (won: string[]) => resolve(won));
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`race worker exited with ${code}`))));
  });
}

it('transition_racedByConcurrentThreadsOnOneFile_hasExactlyOneWinnerPerRequest', async () => {
  const file = path.join(dir, 'jit.db');
  const store = SqliteStore.open(file);
  const requests = Array.from({ length: REQUESTS }, (_, i) => makeRequest({ id: `req-${i}` }));
  for (const request of requests) await store.insertRequest(request, [], []);
  const barrier = new SharedArrayBuffer(4);

  const results = await Promise.all(Array.from({ length: WORKERS }, (_, i) => runWorker({ file, name: `U0WORKER${i}`, requests, barrier, workers: WORKERS })));

  const wins = results.flat();
  expect(wins.sort()).toEqual(requests.map((r) => r.id).sort());
  for (const request of requests) {
    const stored = await store.getRequest(request.id);
    expect(stored).toMatchObject({ state: 'approved', version: request.version + 1 });
    // The audit trail names the one winner, and only once.
    expect((await store.auditEvents(request.id)).map((e) => e.actor)).toEqual([stored?.decidedBy]);
  }
  expect(await store.pendingOutbox(1000)).toHaveLength(REQUESTS);
  store.close();
});
