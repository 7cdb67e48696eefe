// A Slack app under test, in a process of its own so that its event loop and its
// memory are its own: either the real bot (startBot, the composition root that
// `npm start` runs) or the bare Bolt reference that only acks `/jit`. As
// production runs it: compiled JavaScript under plain node (compiled-app.ts
// compiles this file and points JIT_BENCH_BOT_MODULE at the compiled bot's
// bot.js); without that variable (run through tsx) it imports src/bot.ts. The
// parent drives it over IPC:
//   child → {type:'loaded'}                 modules are loaded (the slow part of a start)
//   parent → {type:'start', mode, env}      child → {type:'ready', port}
//   parent → {type:'idle', seq}             child → {type:'idle', seq} once the bot's outbox is delivered
//   parent → {type:'stop'}                  the child stops the app and exits

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import type { Bot } from '../../src/bot.js';

type BotModule = typeof import('../../src/bot.js');
const botModule = process.env.JIT_BENCH_BOT_MODULE ?? '../../src/bot.js';
const { startBot } = (await import(botModule)) as BotModule;

export type AppMode = 'bot' | 'bare';

export type ToChild = { type: 'start'; mode: AppMode; env: Record<string, string> } | { type: 'idle'; seq: number } | { type: 'stop' };
export type FromChild = { type: 'loaded' } | { type: 'ready'; port: number } | { type: 'idle'; seq: number } | { type: 'failed'; error: string };

let bot: Bot | undefined;
let bare: App | undefined;

/** The reference: Bolt's own HTTP receiver (the bot's, too), one listener that only acks. */
async function startBare(env: Record<string, string>): Promise<number> {
  const app = new App({
    token: env.SLACK_BOT_TOKEN,
    signingSecret: env.SLACK_SIGNING_SECRET,
    clientOptions: { slackApiUrl: env.SLACK_API_URL },
    logLevel: LogLevel.WARN,
  });
  app.command('/jit', async ({ ack }) => {
    await ack();
  });
  bare = app;
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  return (server.address() as AddressInfo).port;
}

function send(message: FromChild): void {
  process.send?.(message);
}

process.on('message', (message: ToChild) => {
  void (async () => {
    try {
      if (message.type === 'start') {
        const port = message.mode === 'bot' ? (bot = await startBot(message.env)).port : await startBare(message.env);
        send({ type: 'ready', port });
      } else if (message.type === 'idle') {
        // Everything the last round caused (replies, outbox posts) is done before the next round starts.
        if (bot) {
          // The commands' work held back behind acks (yield gate), then the use cases, then the outbox.
          await bot.settled();
          await bot.workflow.idle();
          await bot.flushOutbox(120_000);
        }
        send({ type: 'idle', seq: message.seq });
      } else if (message.type === 'stop') {
        await bot?.stop();
        await bare?.stop();
        process.exit(0);
      }
    } catch (error) {
      send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  })();
});
// As src/main.ts does: a malformed (but signed) payload can make Bolt reject a
// promise no one awaits; say so and keep serving.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`app-process: unhandled rejection, still running: ${reason instanceof Error ? reason.message : String(reason)}\n`);
});
// A parent that died must not leave a bot behind.
process.on('disconnect', () => process.exit(0));
send({ type: 'loaded' });
