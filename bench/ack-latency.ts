// 1. How fast the bot acks `/jit request <inline>`, against a bare Bolt app that
// only acks the same command. Both run in processes of their own, with the same
// Bolt HTTP receiver and the same fake Slack, and are driven by the same
// keep-alive client with the same signed bodies, two ways:
//   1a closed loop: 20 commands in flight, each client sending its next the
//      moment it has an ack (the server saturated);
//   1b open loop: 200 commands a second on a fixed schedule whatever the answers,
//      latency from each command's scheduled send time, so a server that falls
//      behind shows it as queueing.
// Rounds alternate (bot, bare, bare, bot, …) so a noisy neighbour hits both
// alike, and each round starts only once the bot has finished what the last
// one caused (replies, outbox posts), so neither side inherits the other's
// backlog.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { slashCommandFields } from '../test/support/slack-requests.js';
import { cpuMsOf, type AppProcess } from './support/children.js';
import { loadCompiledApp } from './support/compiled-app.js';
import { SignedClient, inParallel } from './support/client.js';
import { rowOf, type Benchmark } from './support/context.js';
import { botEnv, SECRET } from './support/inprocess-bot.js';
import { singleVmPolicy } from './support/policies.js';
import { ms, ratio, requireSane, sleep, summarise } from './support/stats.js';
import { verdictOf } from './support/table.js';

const CONCURRENCY = 20;
const RATE = 200;
const MAX_RATIO = 1.3;

const CLOSED = {
  id: '1a',
  benchmark: `Slash-command ack latency: signed \`/jit request <inline>\` POSTs at concurrency ${CONCURRENCY} (closed loop, saturated), bot in HTTP mode`,
  target: `bot/bare ≤ ${MAX_RATIO} at p50 and p99`,
};
const OPEN = {
  id: '1b',
  benchmark: `Slash-command ack latency: the same commands at ${RATE}/s on a fixed schedule (open loop), from each one's scheduled send time`,
  target: `bot/bare ≤ ${MAX_RATIO} at p50 and p99`,
};

interface Side {
  app: AppProcess;
  port: number;
  samples: number[];
  cpuMs: number;
}

export const ackLatency: Benchmark = {
  name: 'ack',
  rows: [CLOSED, OPEN],
  async run(ctx) {
    const total = ctx.smoke ? 40 : 2000;
    const rounds = ctx.smoke ? 2 : 10;
    const warmup = ctx.smoke ? 10 : 200;
    // Open loop: rounds of a few seconds at RATE, alternating as the closed loop does.
    const openTotal = ctx.smoke ? 40 : 2000;
    const openRounds = ctx.smoke ? 2 : 4;
    const dir = join(ctx.dir, 'ack');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'policy.yaml'), singleVmPolicy({ address: '10.0.0.4' }));
    const env = botEnv(dir, ctx.slack, { JIT_BACKEND: 'memory' });

    ctx.log('ack: starting the bot and the bare Bolt reference');
    const [bot, bare] = await Promise.all([loadCompiledApp(join(dir, 'bot.log'), { asStarted: true }), loadCompiledApp(join(dir, 'bare.log'))]);
    const client = new SignedClient(SECRET, CONCURRENCY);
    // An open-loop client never waits for a socket: as many as the commands in flight.
    const openClient = new SignedClient(SECRET, 1000);
    try {
      const [botPort, barePort] = await Promise.all([bot.start('bot', env), bare.start('bare', env)]);
      const sideOf = (app: AppProcess, port: number): Side => ({ app, port, samples: [], cpuMs: 0 });
      const closed = { bot: sideOf(bot, botPort), bare: sideOf(bare, barePort) };
      const open = { bot: sideOf(bot, botPort), bare: sideOf(bare, barePort) };

      // Every command comes from a new user: the bot allows one user 10 requests a minute.
      let user = 0;
      const bodies = (n: number) =>
        Array.from({ length: n }, () => {
          const id = `UB${String(++user).padStart(7, '0')}`;
          const fields = slashCommandFields({
            text: 'request web-1 22 203.0.113.7 2h deploy hotfix INC-4711',
            userId: id,
            responseUrl: ctx.slack.responseUrl(`ack-${id}`),
          });
          return new URLSearchParams(fields).toString();
        });
      const drive = async (port: number, batch: string[], into?: number[]) => {
        await inParallel(batch, CONCURRENCY, async (body) => {
          const { status, ms: took } = await client.post(port, body);
          if (status !== 200) throw new Error(`an ack answered HTTP ${status}`);
          into?.push(took);
        });
      };
      // Sends batch[i] at start + i / RATE whatever the answers; latency counts from that scheduled moment.
      const driveOpen = async (port: number, batch: string[], into: number[]) => {
        const interval = 1000 / RATE;
        const start = performance.now() + 1;
        const inFlight: Promise<void>[] = [];
        let next = 0;
        while (next < batch.length) {
          const now = performance.now();
          while (next < batch.length && start + next * interval <= now) {
            const scheduled = start + next * interval;
            const sent = openClient.post(port, batch[next++]!).then(({ status, endedAt }) => {
              if (status !== 200) throw new Error(`an ack answered HTTP ${status}`);
              into.push(endedAt - scheduled);
            });
            // Handled now (the schedule goes on), thrown below by Promise.all.
            sent.catch(() => undefined);
            inFlight.push(sent);
          }
          if (next < batch.length) await sleep(Math.max(0, start + next * interval - performance.now()));
        }
        await Promise.all(inFlight);
      };
      // The server's CPU for a round, what its acks and everything the commands cause cost (read from /proc).
      const measured = async (side: Side, round: () => Promise<void>) => {
        const cpu0 = cpuMsOf(side.app.pid) ?? Number.NaN;
        await round();
        await side.app.idle();
        side.cpuMs += (cpuMsOf(side.app.pid) ?? Number.NaN) - cpu0;
      };

      ctx.log(`ack: warm-up, ${warmup} commands each`);
      for (const side of [closed.bot, closed.bare]) {
        await drive(side.port, bodies(warmup));
        await side.app.idle();
      }
      const perRound = Math.ceil(total / rounds);
      for (let round = 0; round < rounds; round++) {
        const batch = bodies(perRound);
        const order = round % 2 === 0 ? [closed.bot, closed.bare] : [closed.bare, closed.bot];
        for (const side of order) await measured(side, () => drive(side.port, batch, side.samples));
        ctx.log(`ack: closed loop, round ${round + 1}/${rounds} done`);
      }
      const perOpenRound = Math.ceil(openTotal / openRounds);
      for (let round = 0; round < openRounds; round++) {
        const batch = bodies(perOpenRound);
        const order = round % 2 === 0 ? [open.bot, open.bare] : [open.bare, open.bot];
        for (const side of order) await measured(side, () => driveOpen(side.port, batch, side.samples));
        ctx.log(`ack: open loop at ${RATE}/s, round ${round + 1}/${openRounds} done`);
      }

      // An ack says nothing if the command behind it failed: every one must have become a stored request.
      const commands = warmup + perRound * rounds + perOpenRound * openRounds;
      const db = new BetterSqlite3(env.JIT_DB!, { readonly: true });
      const stored = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM requests WHERE state = 'pending'").get()!.n;
      db.close();
      if (stored !== commands) throw new Error(`the bot stored ${stored} pending requests for ${commands} commands`);
      // …and every one was answered through its response_url.
      const { rejected } = await ctx.slack.stats();
      const note = rejected.length > 0 ? { note: `fake Slack refused: ${rejected[0]}` } : {};
      return [rowOf(CLOSED, { ...compare(closed), ...note }), rowOf(OPEN, { ...compare(open), ...note })];
    } finally {
      client.close();
      openClient.close();
      await Promise.all([bot.stop(), bare.stop()]);
    }
  },
};

function compare(sides: { bot: Side; bare: Side }): { measured: string; reference: string; verdict: ReturnType<typeof verdictOf> } {
  const b = summarise(sides.bot.samples);
  const r = summarise(sides.bare.samples);
  requireSane('bot ack p50 (ms)', b.p50, { min: 0.01, max: 3000 });
  requireSane('bare ack p50 (ms)', r.p50, { min: 0.01, max: 3000 });
  const cpuBot = sides.bot.cpuMs / b.n;
  const cpuBare = sides.bare.cpuMs / r.n;
  const cpu = Number.isFinite(cpuBot) && Number.isFinite(cpuBare) ? `; server CPU per command: bot ${ms(cpuBot)}, bare ${ms(cpuBare)}` : '';
  const p50 = b.p50 / r.p50;
  const p99 = b.p99 / r.p99;
  return {
    measured: `bot p50 ${ms(b.p50)}, p99 ${ms(b.p99)} (n=${b.n})`,
    reference: `bare Bolt p50 ${ms(r.p50)}, p99 ${ms(r.p99)}; ratio p50 ${ratio(p50)}, p99 ${ratio(p99)}${cpu}`,
    verdict: verdictOf(p50 <= MAX_RATIO && p99 <= MAX_RATIO),
  };
}
