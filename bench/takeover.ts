// 7d. Takeover: how long the scheduler (the minute sweep, the overdue watch)
// has no replica after the one running it dies. Three replicas on PostgreSQL;
// each trial asks GET /readyz who leads (`leader`), kills that replica with
// SIGKILL (no shutdown, so its lease is not given up and must run out), and
// polls the two survivors' /readyz until one names another leader. Then the
// killed replica is started again under its JIT_REPLICA_ID (its modules loaded
// before the kill, so the restart does not load the machine during the next
// trial) and the next trial waits until all three are ready and agree on the
// leader. The kills are spread over the lease's one-second renewal period.

import { LEADER_RENEW_MS, LEADER_TTL_MS } from '../src/scheduler/leadership.js';
import type { Deployment } from './support/cluster.js';
import { rowOf, type BenchContext, type RowSpec } from './support/context.js';
import { ms, requireSane, sleep, summarise, waitFor } from './support/stats.js';
import { verdictOf, type Row } from './support/table.js';

const TARGET_MS = 5000;
const POLL_MS = 20;

export const TAKEOVER_ROW: RowSpec = {
  id: '7d',
  benchmark: 'Takeover: SIGKILL of the replica running the scheduler (three replicas) until a survivor’s /readyz names a new leader',
  target: `p99 < ${TARGET_MS / 1000} s`,
};

export async function takeover(ctx: BenchContext, three: Deployment): Promise<Row> {
  const trials = ctx.smoke ? 1 : 10;
  const ids = three.ids();
  const samples: number[] = [];
  const restarts: number[] = [];
  for (let trial = 0; trial < trials; trial++) {
    const seen = { leader: '', successor: '' };
    await waitFor(
      'three ready replicas agreeing on the leader',
      async () => {
        const answers = await Promise.all(ids.map((id) => three.readiness(id)));
        seen.leader = answers[0]!.leader ?? '';
        return ids.includes(seen.leader) && answers.every((a) => a.ready && a.leader === seen.leader);
      },
      60_000,
      50,
    );
    const victim = seen.leader;
    const spare = await three.load(victim);
    // Where in the leader's renewal period the kill falls decides how much of its lease is left.
    await sleep(((trial * LEADER_RENEW_MS) / trials) % LEADER_RENEW_MS);
    const survivors = ids.filter((id) => id !== victim);
    const killed = performance.now();
    await three.kill(victim);
    await waitFor(
      `a new leader after ${victim} was killed`,
      async () => {
        for (const answer of await Promise.all(survivors.map((id) => three.readiness(id)))) {
          if (answer.leader !== null && answer.leader !== victim) seen.successor = answer.leader;
        }
        return seen.successor !== '';
      },
      60_000,
      POLL_MS,
    );
    const took = performance.now() - killed;
    samples.push(took);
    ctx.log(`replicas: takeover ${trial + 1}/${trials}: ${victim} killed, ${seen.successor} leads after ${ms(took)}`);
    const restarting = performance.now();
    await three.startIn(victim, spare);
    restarts.push(performance.now() - restarting);
  }
  const s = summarise(samples);
  requireSane('takeover p50 (ms)', s.p50, { min: 0, max: 60_000 });
  const r = summarise(restarts);
  return rowOf(TAKEOVER_ROW, {
    measured: `p50 ${ms(s.p50)}, p99 ${ms(s.p99)}, max ${ms(s.max)} (n=${s.n}; /readyz polled every ${POLL_MS} ms)`,
    reference: `the lease's own bound: ${LEADER_TTL_MS / 1000} s to run out + up to ${LEADER_RENEW_MS / 1000} s until a survivor's next try = ${ms(LEADER_TTL_MS + LEADER_RENEW_MS)}; the killed replica restarted under its id: serving again in p50 ${ms(r.p50)}, max ${ms(r.max)} (modules loaded)`,
    verdict: verdictOf(s.p99 < TARGET_MS),
  });
}
