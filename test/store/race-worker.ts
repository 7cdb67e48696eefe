// Runs in a worker thread: one more process-like writer on the same file, for
// the concurrent-transition test. Waits on a shared barrier so every worker
// starts its compare-and-swaps at the same moment.

import { parentPort, workerData } from 'node:worker_threads';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { AccessRequest } from '../../src/domain/types.js';

interface RaceJob {
  file: string;
  name: string;
  requests: AccessRequest[];
  barrier: SharedArrayBuffer;
  workers: number;
}

const job = workerData as RaceJob;
const store = SqliteStore.open(job.file);
const gate = new Int32Array(job.barrier);
Atomics.add(gate, 0, 1);
while (Atomics.load(gate, 0) < job.workers) Atomics.wait(gate, 0, Atomics.load(gate, 0), 5);

const won: string[] = [];
for (const request of job.requests) {
  const next: AccessRequest = { ...request, state: 'approved', decidedBy: job.name };
  const event = { requestId: request.id, name: 'request.approved' as const, actor: job.name, at: request.createdAt };
  if ((await store.transition(request, next, [event], [{ kind: 'approval_update', request: next }])) !== undefined) won.push(request.id);
}
store.close();
parentPort?.postMessage(won);
