// 3. Expiry precision: 1,000 grants with staggered end times, closed by the real
// bot's per-grant timers (src/scheduler/expiry-timers.ts). Lag = from a grant's
// end time (as stored) to the moment the backend confirmed its close. Once on
// the memory backend, once on nftables in a network namespace.
//
// Beside it, what a once-a-minute sweep alone would give on the same schedule:
// node-cron fires `* * * * *` at second 0 of every minute, and the sweep closes
// everything whose end time has passed, so a grant ending at t waits until the
// next minute boundary: lag = ceil(t / 60 s) × 60 s − t (the sweep's own run
// time not counted). Computed from the same end times, not measured.

import { join } from 'node:path';
import type { FirewallBackend } from '../src/ports/firewall.js';
import { MemoryBackend } from '../src/ports/memory-firewall.js';
import { NftablesBackend } from '../src/firewall/nftables/backend.js';
import type { JitLogger } from '../src/log.js';
import { inParallel } from './support/client.js';
import { rowOf, type Benchmark, type BenchContext, type RowSpec } from './support/context.js';
import { startInProcessBot } from './support/inprocess-bot.js';
import { nftIn, nftUnavailable, withNamespace } from './support/netns.js';
import { AUTO_APPROVE, benchSource, singleVmPolicy } from './support/policies.js';
import { ms, requireSane, summarise, type Summary } from './support/stats.js';
import { sizeIn, sizeText, verdictOf, type Row, type Size } from './support/table.js';
import { TimedBackend } from './support/timed-backend.js';

const TARGET_P99_MS = 1000;
const GRANTS: Size = { full: 1000, smoke: 20, what: 'staggered grants' };
const MEMORY: RowSpec = {
  id: '3a',
  benchmark: `Expiry precision: end time → backend-confirmed close, ${sizeText(GRANTS)}, memory backend`,
  target: 'p99 < 1 s',
  size: GRANTS,
};
const NFT: RowSpec = { id: '3b', benchmark: 'Expiry precision: the same on nftables in a network namespace', target: 'p99 < 1 s', size: GRANTS };

const MINUTE = 60_000;

function describe(s: Summary): string {
  return `p50 ${ms(s.p50)}, p99 ${ms(s.p99)}, max ${ms(s.max)}`;
}

async function measure(ctx: BenchContext, spec: RowSpec, makeBackend: (logger: JitLogger) => FirewallBackend, address: string): Promise<Row> {
  const n = sizeIn(GRANTS, ctx.smoke);
  // Ends spread over `spread` seconds, starting once every grant is open.
  const first = ctx.smoke ? 2 : 15;
  const spread = ctx.smoke ? 1 : 20;
  const running = await startInProcessBot({
    dir: join(ctx.dir, `expiry-${spec.id}`),
    policy: singleVmPolicy({ address, rules: AUTO_APPROVE }),
    slack: ctx.slack,
    backend: (logger) => new TimedBackend(makeBackend(logger)),
  });
  try {
    const { bot, backend } = running;
    const ids: string[] = [];
    const opening = Date.now();
    // Requests arrive 25 at a time (distinct requesters: one may make 10 a minute); the rule approves them at once.
    await inParallel(
      Array.from({ length: n }, (_, i) => i),
      25,
      async (i) => {
        const result = await bot.workflow.request({
          requester: `UEXP${spec.id}${i}`,
          vm: 'web-1',
          ports: '22',
          source: benchSource(i),
          duration: `${first + (i % spread)}s`,
          justification: 'benchmark',
        });
        if (!result.ok || result.request.state !== 'active')
          throw new Error(`grant ${i} did not open: ${JSON.stringify(result.ok ? result.request.state : result.problems)}`);
        ids.push(result.request.id);
      },
    );
    const openedIn = Date.now() - opening;
    if (openedIn > first * 1000) throw new Error(`opening ${n} grants took ${ms(openedIn)}, longer than the first duration (${first} s): raise it`);
    ctx.log(`expiry ${spec.id}: ${n} grants open (in ${ms(openedIn)}); waiting for their ends`);
    await Promise.race([
      backend.whenClosed(n),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`only ${backend.closed.size} of ${n} grants closed in time`)), (first + spread + 60) * 1000),
      ),
    ]);
    // The backend confirms first; the `closed` transitions of grants closed together are committed in one batch right after.
    const settleBy = Date.now() + 10_000;
    while ((await Promise.all(ids.map((id) => bot.workflow.get(id)))).some((request) => request.state !== 'closed') && Date.now() < settleBy) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const lags: number[] = [];
    const sweep: number[] = [];
    for (const id of ids) {
      const request = await bot.workflow.get(id);
      if (request.state !== 'closed' || request.endAt === undefined) throw new Error(`request ${id} is ${request.state} 10 s after its close was confirmed`);
      if (request.reason !== 'expired') throw new Error(`request ${id} closed as ${request.reason}, not expired`);
      lags.push(backend.closed.get(id)! - request.endAt);
      sweep.push(Math.ceil(request.endAt / MINUTE) * MINUTE - request.endAt);
    }
    const timers = summarise(lags);
    const cron = summarise(sweep);
    requireSane(`${spec.id} p50 lag (ms)`, timers.p50, { min: -1, max: 60_000 });
    return rowOf(spec, {
      measured: `${describe(timers)} (n=${timers.n})`,
      reference: `once-a-minute sweep alone, same end times: ${describe(cron)}`,
      verdict: verdictOf(timers.p99 < TARGET_P99_MS),
    });
  } finally {
    await running.stop();
  }
}

export const expiryPrecision: Benchmark = {
  name: 'expiry',
  rows: [MEMORY, NFT],
  async run(ctx) {
    const rows = [await measure(ctx, MEMORY, () => new MemoryBackend(), '10.0.0.4')];
    const unavailable = await nftUnavailable();
    if (unavailable !== undefined) return [...rows, rowOf(NFT, { measured: '—', reference: '—', verdict: 'skipped', note: unavailable })];
    return [...rows, await withNamespace('expiry', (ns) => measure(ctx, NFT, (logger) => new NftablesBackend({ command: nftIn(ns), logger }), '10.201.3.2'))];
  },
};
