// 1. How fast the bot acks `/jit request <inline>`, against a bare Bolt app that
// only acks the same command. Both run in processes of their own, with the same
// Bolt HTTP receiver and the same fake Slack, and are driven by the same
// keep-alive client at the same concurrency with the same signed bodies. Rounds
// alternate (bot, bare, bare, bot, …) so a noisy neighbour hits both alike, and
// each round starts only once the bot has finished what the last one caused
// (replies, outbox posts), so neither side inherits the other's backlog.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { slashCommandFields } from '../test/support/slack-requests.js';
import { cpuMsOf, loadApp, type AppProcess } from './support/children.js';
import { SignedClient, inParallel } from './support/client.js';
import { rowOf, type Benchmark } from './support/context.js';
import { botEnv, SECRET } from './support/inprocess-bot.js';
import { singleVmPolicy } from './support/policies.js';
import { ms, ratio, requireSane, summarise } from './support/stats.js';
import { verdictOf } from './support/table.js';

const CONCURRENCY = 20;
const MAX_RATIO = 1.3;

const ROW = {
  id: '1',
  benchmark: `Slash-command ack latency: signed \`/jit request <inline>\` POSTs at concurrency ${CONCURRENCY}, bot in HTTP mode`,
  target: `bot/bare ≤ ${MAX_RATIO} at p50 and p99`,
};

export const ackLatency: Benchmark = {
  name: 'ack',
  rows: [ROW],
  async run(ctx) {
    const total = ctx.smoke ? 40 : 2000;
    const rounds = ctx.smoke ? 2 : 10;
    const warmup = ctx.smoke ? 10 : 200;
    const dir = join(ctx.dir, 'ack');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'policy.yaml'), singleVmPolicy({ address: '10.0.0.4' }));
    const env = botEnv(dir, ctx.slack, { JIT_BACKEND: 'memory' });

    ctx.log('ack: starting the bot and the bare Bolt reference');
    const [bot, bare] = await Promise.all([loadApp(join(dir, 'bot.log')), loadApp(join(dir, 'bare.log'))]);
    const client = new SignedClient(SECRET, CONCURRENCY);
    try {
      const [botPort, barePort] = await Promise.all([bot.start('bot', env), bare.start('bare', env)]);
      const sideOf = (app: AppProcess, port: number) => ({ app, port, samples: [] as number[], cpuMs: 0 });
      const apps = { bot: sideOf(bot, botPort), bare: sideOf(bare, barePort) };

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

      ctx.log(`ack: warm-up, ${warmup} commands each`);
      for (const side of [apps.bot, apps.bare]) {
        await drive(side.port, bodies(warmup));
        await side.app.idle();
      }
      const perRound = Math.ceil(total / rounds);
      for (let round = 0; round < rounds; round++) {
        const batch = bodies(perRound);
        const order = round % 2 === 0 ? [apps.bot, apps.bare] : [apps.bare, apps.bot];
        for (const side of order) {
          // The server's CPU for the round, what its ack and everything the command causes cost (read from /proc).
          const cpu0 = cpuMsOf(side.app.pid) ?? Number.NaN;
          await drive(side.port, batch, side.samples);
          await side.app.idle();
          side.cpuMs += (cpuMsOf(side.app.pid) ?? Number.NaN) - cpu0;
        }
        ctx.log(`ack: round ${round + 1}/${rounds} done`);
      }

      // An ack says nothing if the command behind it failed: every one must have become a stored request.
      const db = new BetterSqlite3(env.JIT_DB!, { readonly: true });
      const stored = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM requests WHERE state = 'pending'").get()!.n;
      db.close();
      if (stored !== warmup + perRound * rounds) throw new Error(`the bot stored ${stored} pending requests for ${warmup + perRound * rounds} commands`);

      const b = summarise(apps.bot.samples);
      const r = summarise(apps.bare.samples);
      requireSane('bot ack p50 (ms)', b.p50, { min: 0.01, max: 3000 });
      requireSane('bare ack p50 (ms)', r.p50, { min: 0.01, max: 3000 });
      const cpuBot = apps.bot.cpuMs / b.n;
      const cpuBare = apps.bare.cpuMs / r.n;
      const cpu = Number.isFinite(cpuBot) && Number.isFinite(cpuBare) ? `; server CPU per command: bot ${ms(cpuBot)}, bare ${ms(cpuBare)}` : '';
      const p50 = b.p50 / r.p50;
      const p99 = b.p99 / r.p99;
      const { rejected } = await ctx.slack.stats();
      return [
        rowOf(ROW, {
          measured: `bot p50 ${ms(b.p50)}, p99 ${ms(b.p99)} (n=${b.n})`,
          reference: `bare Bolt p50 ${ms(r.p50)}, p99 ${ms(r.p99)}; ratio p50 ${ratio(p50)}, p99 ${ratio(p99)}${cpu}`,
          verdict: verdictOf(p50 <= MAX_RATIO && p99 <= MAX_RATIO),
          ...(rejected.length > 0 ? { note: `fake Slack refused: ${rejected[0]}` } : {}),
        }),
      ];
    } finally {
      client.close();
      await Promise.all([bot.stop(), bare.stop()]);
    }
  },
};
