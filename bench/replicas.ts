// 7. Several replicas on PostgreSQL (README "Running several replicas"), on a
// private PostgreSQL server the suite starts for them (bench/support/postgres.ts:
// root and Debian's PostgreSQL 15; without them every row says skipped and why,
// unless JIT_TEST_PG_REQUIRED=1 makes that an error):
//   7a/7b  the store's transitions per second on PostgreSQL beside SQLite, and
//          with eight writers at once (store-postgres.ts)
//   7c     ack latency with three replicas behind a round robin against one
//          replica, at the same load (replica-ack.ts)
//   7d     takeover of the scheduler after SIGKILL of its replica (takeover.ts)
//   7e     10,000 grants ending in the same second, closed by three replicas on
//          nftables, against one replica (replica-mass.ts)
// One part failing leaves the others measured: its rows say error, and the
// suite exits non-zero.

import { join } from 'node:path';
import { ACK_ROW, ackOnReplicas } from './replica-ack.js';
import { MASS_ROW, massOnReplicas } from './replica-mass.js';
import { STORE_ROWS, storeOnPostgres } from './store-postgres.js';
import { Deployment } from './support/cluster.js';
import { rowOf, type Benchmark, type BenchContext, type RowSpec } from './support/context.js';
import { singleVmPolicy } from './support/policies.js';
import { type BenchPostgres, postgresUnavailable, startBenchPostgres } from './support/postgres.js';
import type { Row } from './support/table.js';
import { TAKEOVER_ROW, takeover } from './takeover.js';

const ROWS: RowSpec[] = [STORE_ROWS.single, STORE_ROWS.concurrent, ACK_ROW, TAKEOVER_ROW, MASS_ROW];

/** `work`'s rows, or an error row for each of `specs` when it throws (logged with its stack). */
async function part(ctx: BenchContext, specs: RowSpec[], work: () => Promise<Row[]>): Promise<Row[]> {
  try {
    return await work();
  } catch (error) {
    ctx.log(`replicas: ${specs.map((s) => s.id).join(', ')} FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 200);
    return specs.map((spec) => rowOf(spec, { measured: '—', reference: '—', verdict: 'error', note: message }));
  }
}

/** 7c and 7d: one replica and three, each on a database of its own, the memory backend; the three then lose their leader, again and again. */
async function ackAndTakeover(ctx: BenchContext, server: BenchPostgres): Promise<Row[]> {
  const policy = singleVmPolicy({ address: '10.0.0.4' });
  const env = { JIT_BACKEND: 'memory' };
  const oneUrl = await server.createDatabase('ack_one');
  const threeUrl = await server.createDatabase('ack_three');
  const one = new Deployment(ctx, join(ctx.dir, 'replicas-one'), oneUrl, policy, env);
  const three = new Deployment(ctx, join(ctx.dir, 'replicas-three'), threeUrl, policy, env);
  try {
    ctx.log('replicas: starting one replica and three, on a database each');
    await Promise.all([one.start(['solo']), three.start(['a', 'b', 'c'])]);
    const ack = await part(ctx, [ACK_ROW], async () => [
      await ackOnReplicas(ctx, server, { deployment: one, dbUrl: oneUrl }, { deployment: three, dbUrl: threeUrl }),
    ]);
    await one.stop();
    return [...ack, ...(await part(ctx, [TAKEOVER_ROW], async () => [await takeover(ctx, three)]))];
  } finally {
    await Promise.all([one.stop(), three.stop()]);
  }
}

export const replicas: Benchmark = {
  name: 'replicas',
  rows: ROWS,
  async run(ctx) {
    const unavailable = postgresUnavailable();
    if (unavailable !== undefined) {
      ctx.log(`replicas: skipped: ${unavailable}`);
      return ROWS.map((spec) => rowOf(spec, { measured: '—', reference: '—', verdict: 'skipped', note: unavailable }));
    }
    ctx.log('replicas: starting a private PostgreSQL server');
    const server = await startBenchPostgres(ctx.dir);
    try {
      return [
        ...(await part(ctx, [STORE_ROWS.single, STORE_ROWS.concurrent], () => storeOnPostgres(ctx, server))),
        ...(await part(ctx, [ACK_ROW, TAKEOVER_ROW], () => ackAndTakeover(ctx, server))),
        ...(await part(ctx, [MASS_ROW], async () => [await massOnReplicas(ctx, server)])),
      ];
    } finally {
      await server.destroy();
    }
  },
};
