// 7a/7b. The store benchmark (row 6, bench/store-throughput.ts) on PostgreSQL:
// the same request lifecycles (created, approved, active, closing, closed),
// each write one transaction with its hash-chained audit row and its outbox
// rows, through PostgresStore on the suite's private server, beside SqliteStore
// on a WAL file in the same rounds. PostgreSQL is measured twice with one
// writer: as production runs it (synchronous_commit on: each commit waits for
// its WAL flush) and with synchronous_commit off (the durability SQLite's
// synchronous=NORMAL gives: a crash may lose the last commits, never corrupt).
// Then eight writers at once, each on requests of its own, as replicas (or one
// replica's concurrent clicks) write; SQLite is left out there, as it takes one
// writer at a time anyway. Rounds rotate the order of the sides.

import { join } from 'node:path';
import type { Store } from '../src/ports/store.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { idOf, lifecycle, type Step } from './store-throughput.js';
import { rowOf, type BenchContext, type RowSpec } from './support/context.js';
import { mainThreadCpuMs } from './support/cpu.js';
import type { BenchPostgres } from './support/postgres.js';
import { count, median, ms, ratio, requireSane } from './support/stats.js';
import type { Row } from './support/table.js';

export const WRITERS = 8;

export const STORE_ROWS: Record<'single' | 'concurrent', RowSpec> = {
  single: {
    id: '7a',
    benchmark:
      "Store on PostgreSQL: lifecycle transitions per second, one writer (row 6's workload: each with its audit and outbox rows), private server on the same disk",
    target: '— (no target)',
  },
  concurrent: {
    id: '7b',
    benchmark: `Store on PostgreSQL: transitions per second with ${WRITERS} concurrent writers, each on requests of its own`,
    target: '— (no target)',
  },
};

type Writes = Pick<Store, 'insertRequest' | 'transition'>;

/** insertRequest for the first step of a life, a compare-and-swap transition for the others (as bench/store-throughput.ts). */
async function write(store: Writes, step: Step): Promise<void> {
  if (step.from === undefined) return void (await store.insertRequest(step.request, step.events, step.notifications));
  const expected = { id: step.request.id, state: step.from, version: step.request.version - 1 };
  if (!(await store.transition(expected, step.request, step.events, step.notifications)))
    throw new Error(`transition of ${step.request.id} from ${step.from} lost`);
}

interface Side {
  name: string;
  store: Writes & { close(): unknown };
  writers: number;
  rates: number[];
  /** CPU per transition, ms: this process's main thread, and the PostgreSQL server's processes. */
  clientCpu: number[];
  serverCpu: number[];
}

export async function storeOnPostgres(ctx: BenchContext, server: BenchPostgres): Promise<Row[]> {
  const perRound = ctx.smoke ? 10 : 1000;
  const rounds = ctx.smoke ? 2 : 5;
  const sqlite = SqliteStore.open(join(ctx.dir, 'store-pg-reference.db'));
  const opened: Array<{ close(): unknown }> = [sqlite];
  try {
    const pgStore = async (name: string, settings?: Record<string, string>) => {
      const store = await PostgresStore.open(await server.createDatabase(name, settings), { poolSize: WRITERS });
      opened.push(store);
      return store;
    };
    const side = (name: string, store: Side['store'], writers = 1): Side => ({ name, store, writers, rates: [], clientCpu: [], serverCpu: [] });
    const sides = {
      sqlite: side('SQLite', sqlite),
      pg: side('PostgreSQL', await pgStore('store_sync')),
      pgAsync: side('PostgreSQL, synchronous_commit off', await pgStore('store_async', { synchronous_commit: 'off' })),
      pgConcurrent: side(`PostgreSQL, ${WRITERS} writers`, await pgStore('store_concurrent'), WRITERS),
    };
    const all = Object.values(sides);
    let next = 0;
    for (let round = -1; round < rounds; round++) {
      // The same requests for every side (each has a database of its own), built before the clock starts.
      const first = next;
      next += perRound;
      const lives = Array.from({ length: perRound }, (_, i) => lifecycle(idOf(first + i), Date.now()));
      const transitions = perRound * 5;
      const shift = ((round % all.length) + all.length) % all.length;
      for (const s of [...all.slice(shift), ...all.slice(0, shift)]) {
        // Writer w takes lives w, w + writers, …, each life's steps in order.
        const shares = Array.from({ length: s.writers }, (_, w) => lives.filter((_, i) => i % s.writers === w).flat());
        const cpu0 = mainThreadCpuMs();
        const server0 = server.cpuMs();
        const started = performance.now();
        await Promise.all(
          shares.map(async (steps) => {
            for (const step of steps) await write(s.store, step);
          }),
        );
        const took = performance.now() - started;
        // Round -1 warms every side up (JIT, caches, the server's plans) and is not counted.
        if (round < 0) continue;
        s.rates.push((transitions / took) * 1000);
        s.clientCpu.push((mainThreadCpuMs() - cpu0) / transitions);
        s.serverCpu.push((server.cpuMs() - server0) / transitions);
      }
      if (round >= 0) ctx.log(`replicas: store round ${round + 1}/${rounds}: ${all.map((s) => `${s.name} ${count(s.rates.at(-1)!)}/s`).join(', ')}`);
    }
    const rate = (s: Side) => median(s.rates);
    const pg = requireSane('PostgreSQL transitions per second', rate(sides.pg), { min: 10 });
    const lite = requireSane('SQLite transitions per second', rate(sides.sqlite), { min: 10 });
    const pgAsync = requireSane('PostgreSQL (synchronous_commit off) transitions per second', rate(sides.pgAsync), { min: 10 });
    const concurrent = requireSane(`PostgreSQL ${WRITERS} writers transitions per second`, rate(sides.pgConcurrent), { min: 10 });
    const cpu = (s: Side) => `bench process ${ms(median(s.clientCpu))}, server ${ms(median(s.serverCpu))}`;
    const size = `median of ${rounds} rounds of ${count(perRound * 5)}`;
    return [
      rowOf(STORE_ROWS.single, {
        measured: `${count(pg)} transitions/s (${size}); with synchronous_commit off: ${count(pgAsync)}/s`,
        reference: `SqliteStore (WAL, synchronous=NORMAL), same rounds: ${count(lite)}/s; PostgreSQL takes ${ratio(lite / pg)} SQLite's time (${ratio(lite / pgAsync)} with synchronous_commit off); CPU per transition: ${cpu(sides.pg)}`,
        verdict: 'info',
      }),
      rowOf(STORE_ROWS.concurrent, {
        measured: `${count(concurrent)} transitions/s (${size}, pool of ${WRITERS})`,
        reference: `one writer, same rounds: ${count(pg)}/s; ${ratio(concurrent / pg)} the one writer's rate; CPU per transition: ${cpu(sides.pgConcurrent)}`,
        verdict: 'info',
      }),
    ];
  } finally {
    for (const store of opened) await store.close();
  }
}
