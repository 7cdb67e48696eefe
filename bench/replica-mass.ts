// 7e. Mass expiry on three replicas: row 4's 10,000 grants on nftables ending
// within the same second, closed by three bot processes on one PostgreSQL
// database instead of one on SQLite. The grants are laid down as row 4 lays
// them down (bench/mass-expiry.ts), before the replicas start, as a restart
// finds them: the rows through PostgresStore with each audit thread's root
// already posted, the kernel elements as the nftables backend renders them,
// with their timeouts, in a network namespace every replica drives through
// JIT_NFT_COMMAND (as replicas drive a gateway over ssh). Every replica re-arms
// a timer per grant at startup, so at the end all three race to close each
// grant; the request lock and the compare-and-swap let one of them do it. From
// the last end the figure runs until the database says every grant is closed
// (the last `grant.closed` audit event, written once nft confirmed the close);
// each grant must have exactly one. Peak RSS is each replica's VmHWM from
// /proc. The reference is one replica on PostgreSQL with the same grants, in
// the same run (a namespace and a database of its own).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { NftablesBackend } from '../src/firewall/nftables/backend.js';
import type { NewRequest } from '../src/ports/store.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { type AppProcess, memoryOf } from './support/children.js';
import { inParallel } from './support/client.js';
import { Deployment } from './support/cluster.js';
import { rowOf, type BenchContext, type RowSpec } from './support/context.js';
import { AUDIT } from './support/inprocess-bot.js';
import { nftIn, nftUnavailable, withNamespace } from './support/netns.js';
import { singleVmPolicy } from './support/policies.js';
import type { BenchPostgres } from './support/postgres.js';
import { count, mib, ms, requireSane, sleep } from './support/stats.js';
import { sizeIn, sizeText, type Row, type Size } from './support/table.js';
import { openGrant, seedKernel, VM_ADDRESS } from './mass-expiry.js';

const GRANTS: Size = { full: 10_000, smoke: 100, what: 'grants' };
export const MASS_ROW: RowSpec = {
  id: '7e',
  benchmark: `Mass expiry on three replicas: ${sizeText(GRANTS)} on nftables ending in the same second, closed by three replicas on PostgreSQL: until the database says all closed; peak RSS per replica`,
  target: '— (no target)',
  size: GRANTS,
};

/** The database as the replicas leave it once a grant is open: rows written, the audit thread's root posted. */
async function seedStore(url: string, grants: NewRequest[]): Promise<void> {
  const store = await PostgresStore.open(url, { poolSize: 8 });
  try {
    for (let i = 0; i < grants.length; i += 1000) await store.insertRequests(grants.slice(i, i + 1000));
    const roots = await store.pendingOutbox(grants.length);
    await inParallel(roots, 8, async (row, i) => {
      await store.markDelivered(row.id, [{ requestId: row.requestId!, role: 'audit', channel: AUDIT, ts: `1700000000.${String(i).padStart(6, '0')}` }]);
    });
  } finally {
    await store.close();
  }
}

interface Pass {
  n: number;
  /** From the start of the shared second, and from the last end (second + 999 ms), to the last `grant.closed`. */
  sinceSecond: number;
  afterLastEnd: number;
  readyMs: number;
  peaks: number[];
  /** Expiry timers that failed for want of their request's lock (a lock connection within 30 s); the leader's overdue watch closed those grants. */
  failedTimers: number;
  /** The grants each replica closed (its `grant closed` log lines), in the order of `ids`. */
  closesBy: number[];
}

/** A database and the replicas' settings for one pass, its nftables in namespace `ns`. */
async function massDeployment(ctx: BenchContext, server: BenchPostgres, name: string, ns: string): Promise<Deployment> {
  const dbUrl = await server.createDatabase(name);
  return new Deployment(ctx, join(ctx.dir, name), dbUrl, singleVmPolicy({ address: VM_ADDRESS, backend: 'nftables' }), {
    JIT_BACKEND: 'nftables',
    JIT_NFT_COMMAND: nftIn(ns).join(' '),
  });
}

/**
 * Lays `n` grants down, starts `ids` on them together in `apps` (loaded), and
 * waits until the database says all are closed. `onReady` runs once they all
 * serve, while the grants have yet to end (the next pass loads meanwhile).
 */
async function pass(
  ctx: BenchContext,
  deployment: Deployment,
  ids: readonly string[],
  apps: readonly AppProcess[],
  n: number,
  ns: string,
  onReady?: () => void,
): Promise<Pass> {
  const db = new pg.Client(deployment.dbUrl);
  db.on('error', () => undefined);
  try {
    const seeding = Date.now();
    // Room for the seeding (about 2 ms a grant here) and the replicas' start.
    const second = Math.ceil((seeding + (ctx.smoke ? 4500 : 15_000 + n * 3)) / 1000) * 1000;
    const grants = Array.from({ length: n }, (_, i) => openGrant(i, seeding, second + ((i * 7919) % 1000)));
    await seedStore(deployment.dbUrl, grants);
    const stored = Date.now();
    await seedKernel(ns, grants);
    const inKernel = (await new NftablesBackend({ command: nftIn(ns) }).list()).length;
    if (inKernel !== n) throw new Error(`the kernel holds ${inKernel} of ${n} grants after seeding`);
    ctx.log(`replicas: mass, ${ids.length} replica(s): ${count(n)} grants in PostgreSQL (${ms(stored - seeding)}) and the kernel (${ms(Date.now() - stored)})`);

    const booting = Date.now();
    await Promise.all(ids.map((id, i) => deployment.startIn(id, apps[i]!)));
    const readyMs = Date.now() - booting;
    if (Date.now() > second - 1000) throw new Error(`the replicas were ready only ${ms(second - Date.now())} before the grants end: raise the margin`);
    ctx.log(`replicas: mass, ${ids.length} replica(s) ready in ${ms(readyMs)}; the grants end in ${ms(second - Date.now())}`);
    onReady?.();

    await db.connect();
    const value = async (sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0]!.n);
    await sleep(second - Date.now());
    const deadline = Date.now() + 300_000;
    while ((await value("SELECT count(*) AS n FROM requests WHERE state = 'closed'")) !== n) {
      if (Date.now() > deadline) throw new Error(`not all ${n} grants closed within 300 s of their end`);
      await sleep(50);
    }
    const peaks = deployment.pids().map((pid) => memoryOf(pid)?.peak ?? Number.NaN);
    // From the replicas' logs: who closed how many, and the timers' failures (`expiry of request … failed; the sweep will retry: …`).
    const logs = ids.map((id) => readFileSync(deployment.replicas.get(id)!.log, 'utf8'));
    const closesBy = logs.map((log) => log.match(/grant closed \(expired\)/g)?.length ?? 0);
    const failures = logs.flatMap((log) => log.match(/expiry of request \w+ failed.*/g) ?? []);
    const failedTimers = failures.filter((line) => line.includes('could not lock request')).length;
    if (failures.length > failedTimers)
      throw new Error(
        `${failures.length - failedTimers} expiry timers failed otherwise than for the request lock, e.g. ${failures.find((l) => !l.includes('could not lock'))}`,
      );
    const last = await value("SELECT max(at) AS n FROM audit_events WHERE name = 'grant.closed'");
    const closedEvents = await value("SELECT count(*) AS n FROM audit_events WHERE name = 'grant.closed'");
    const closedRequests = await value("SELECT count(DISTINCT request_id) AS n FROM audit_events WHERE name = 'grant.closed'");
    if (closedEvents !== n || closedRequests !== n)
      throw new Error(`${closedEvents} grant.closed events for ${closedRequests} of ${n} grants: each must have one`);
    const expired = await value("SELECT count(*) AS n FROM requests WHERE state = 'closed' AND (data::json)->>'reason' = 'expired'");
    if (expired !== n) throw new Error(`${n - expired} grants closed for another reason than their end`);
    const left = await new NftablesBackend({ command: nftIn(ns) }).list();
    if (left.length > 0) throw new Error(`${left.length} grants are still in the kernel after the database says closed`);
    return {
      n,
      sinceSecond: requireSane('mass expiry time (ms)', last - second, { min: 0, max: 600_000 }),
      afterLastEnd: last - (second + 999),
      readyMs,
      failedTimers,
      closesBy,
      peaks: peaks.map((peak) => requireSane('replica peak RSS', peak, { min: 1 })),
    };
  } finally {
    await db.end().catch(() => undefined);
    // Measured: nothing left to wait for (the outbox's Slack messages are not part of the figure), and the database is thrown away.
    for (const id of deployment.ids()) await deployment.kill(id);
    await Promise.all(apps.map((app) => app.stop()));
  }
}

export async function massOnReplicas(ctx: BenchContext, server: BenchPostgres): Promise<Row> {
  const unavailable = await nftUnavailable();
  if (unavailable !== undefined) return rowOf(MASS_ROW, { measured: '—', reference: '—', verdict: 'skipped', note: unavailable });
  const n = sizeIn(GRANTS, ctx.smoke);
  const trioIds = ['a', 'b', 'c'];
  const [one, three] = await withNamespace('rmass1', (ns1) =>
    withNamespace('rmass3', async (ns3) => {
      const solo = await massDeployment(ctx, server, 'mass_one', ns1);
      const trio = await massDeployment(ctx, server, 'mass_three', ns3);
      const soloApps = Promise.all([solo.load('solo')]);
      let trioApps: Promise<AppProcess[]> | undefined;
      try {
        // The reference first; the three load while its grants have yet to end.
        const reference = await pass(ctx, solo, ['solo'], await soloApps, n, ns1, () => {
          trioApps = Promise.all(trioIds.map((id) => trio.load(id)));
          // Awaited after the reference; a failed load must not go unhandled meanwhile.
          trioApps.catch(() => undefined);
        });
        trioApps ??= Promise.all(trioIds.map((id) => trio.load(id)));
        return [reference, await pass(ctx, trio, trioIds, await trioApps, n, ns3)] as const;
      } finally {
        // A failed pass still leaves loaded processes behind.
        for (const apps of [soloApps, trioApps]) for (const app of (await apps?.catch(() => undefined)) ?? []) await app.stop();
      }
    }),
  );
  const times = (p: Pass) =>
    `all ${count(p.n)} closed ${ms(p.afterLastEnd)} after the last end (${ms(p.sinceSecond)} after the second began), each grant.closed once; ${
      p.failedTimers === 0
        ? 'no expiry timer failed'
        : `${count(p.failedTimers)} expiry timers failed for want of a request-lock connection within 30 s (the leader's overdue watch closed those grants)`
    }`;
  return rowOf(MASS_ROW, {
    measured: `${times(three)}; closed by a / b / c: ${three.closesBy.map(count).join(' / ')}; peak RSS per replica ${three.peaks.map(mib).join(' / ')}; ready in ${ms(three.readyMs)}`,
    reference: `one replica on PostgreSQL, same grants: ${times(one)}; peak RSS ${mib(one.peaks[0]!)}; ready in ${ms(one.readyMs)}`,
    verdict: 'info',
  });
}
