// 7c. Slash-command ack latency with three replicas against one, at the same
// load. Two deployments on the suite's PostgreSQL server, each on a database of
// its own: one replica alone, and three replicas behind a round robin of their
// three ports (command i goes to replica i mod 3). Both are the real bot
// (memory backend, HTTP mode) in processes of their own, and are driven as the
// ack benchmark (row 1) drives the bot: the same signed `/jit request <inline>`
// bodies from the same keep-alive client, 20 in flight, every command from a
// new user. Rounds alternate (one, three, three, one, …) and each starts only
// once the deployment it drove has delivered everything the round caused, so
// neither inherits the other's backlog.

import { slashCommandFields } from '../test/support/slack-requests.js';
import { cpuMsOf } from './support/children.js';
import { SignedClient, inParallel } from './support/client.js';
import { type Deployment, pgCount } from './support/cluster.js';
import { rowOf, type BenchContext, type RowSpec } from './support/context.js';
import { SECRET } from './support/inprocess-bot.js';
import type { BenchPostgres } from './support/postgres.js';
import { ms, ratio, requireSane, summarise } from './support/stats.js';
import type { Row } from './support/table.js';

const CONCURRENCY = 20;

export const ACK_ROW: RowSpec = {
  id: '7c',
  benchmark: `Slash-command ack latency on PostgreSQL, three replicas behind a round robin: signed \`/jit request <inline>\` POSTs at concurrency ${CONCURRENCY}`,
  target: '— (no target)',
};

interface Side {
  name: string;
  deployment: Deployment;
  dbUrl: string;
  samples: number[];
  cpuMs: number;
  serverCpuMs: number;
}

const cpuOf = (pids: readonly number[]) => pids.reduce((sum, pid) => sum + (cpuMsOf(pid) ?? Number.NaN), 0);

/** `one` and `three` are running deployments with the memory backend, each on its own database. */
export async function ackOnReplicas(
  ctx: BenchContext,
  server: BenchPostgres,
  one: { deployment: Deployment; dbUrl: string },
  three: { deployment: Deployment; dbUrl: string },
): Promise<Row> {
  const total = ctx.smoke ? 40 : 2000;
  const rounds = ctx.smoke ? 2 : 10;
  const warmup = ctx.smoke ? 10 : 200;
  const client = new SignedClient(SECRET, CONCURRENCY);
  try {
    const side = (name: string, d: { deployment: Deployment; dbUrl: string }): Side => ({ name, ...d, samples: [], cpuMs: 0, serverCpuMs: 0 });
    const sides = { one: side('one replica', one), three: side('three replicas', three) };

    let user = 0;
    const bodies = (n: number) =>
      Array.from({ length: n }, () => {
        const id = `UR${String(++user).padStart(7, '0')}`;
        const fields = slashCommandFields({
          text: 'request web-1 22 203.0.113.7 2h deploy hotfix INC-4711',
          userId: id,
          responseUrl: ctx.slack.responseUrl(`replica-ack-${id}`),
        });
        return new URLSearchParams(fields).toString();
      });
    const drive = async (s: Side, batch: string[], into?: number[]) => {
      const ports = s.deployment.ports();
      await inParallel(batch, CONCURRENCY, async (body, i) => {
        const { status, ms: took } = await client.post(ports[i % ports.length]!, body);
        if (status !== 200) throw new Error(`an ack from ${s.name} answered HTTP ${status}`);
        into?.push(took);
      });
    };

    ctx.log(`replicas: ack warm-up, ${warmup} commands each`);
    for (const s of [sides.one, sides.three]) {
      await drive(s, bodies(warmup));
      await s.deployment.idle();
    }
    const perRound = Math.ceil(total / rounds);
    for (let round = 0; round < rounds; round++) {
      const batch = bodies(perRound);
      const order = round % 2 === 0 ? [sides.one, sides.three] : [sides.three, sides.one];
      for (const s of order) {
        // CPU of the round: the replicas' processes, and the server's (both databases: the other deployment only polls meanwhile).
        const pids = s.deployment.pids();
        const cpu0 = cpuOf(pids);
        const server0 = server.cpuMs();
        await drive(s, batch, s.samples);
        await s.deployment.idle();
        s.cpuMs += cpuOf(pids) - cpu0;
        s.serverCpuMs += server.cpuMs() - server0;
      }
      ctx.log(`replicas: ack round ${round + 1}/${rounds} done`);
    }

    // An ack says nothing if the command behind it failed: every one must have become a stored request.
    for (const s of [sides.one, sides.three]) {
      const stored = await pgCount(s.dbUrl, "SELECT count(*) AS n FROM requests WHERE state = 'pending'");
      if (stored !== warmup + perRound * rounds) throw new Error(`${s.name} stored ${stored} pending requests for ${warmup + perRound * rounds} commands`);
    }
    const t = summarise(sides.three.samples);
    const o = summarise(sides.one.samples);
    requireSane('three replicas ack p50 (ms)', t.p50, { min: 0.01, max: 3000 });
    requireSane('one replica ack p50 (ms)', o.p50, { min: 0.01, max: 3000 });
    const perCommand = (s: Side, n: number) =>
      Number.isFinite(s.cpuMs) ? `${ms(s.cpuMs / n)} in the replica${s.deployment.pids().length > 1 ? 's' : ''} + ${ms(s.serverCpuMs / n)} in PostgreSQL` : '?';
    const { rejected } = await ctx.slack.stats();
    return rowOf(ACK_ROW, {
      measured: `three replicas p50 ${ms(t.p50)}, p99 ${ms(t.p99)} (n=${t.n}); CPU per command ${perCommand(sides.three, t.n)}`,
      reference: `one replica on PostgreSQL, same load: p50 ${ms(o.p50)}, p99 ${ms(o.p99)}; ratio p50 ${ratio(t.p50 / o.p50)}, p99 ${ratio(t.p99 / o.p99)}; CPU per command ${perCommand(sides.one, o.n)}`,
      verdict: 'info',
      ...(rejected.length > 0 ? { note: `fake Slack refused: ${rejected[0]}` } : {}),
    });
  } finally {
    client.close();
  }
}
