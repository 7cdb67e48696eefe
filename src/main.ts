// Process entry: start the bot with the environment, wire signals, and turn a
// startup problem into one line on stderr (no stack trace) and exit code 1.

import { startBot, type Bot } from './bot.js';
import { StartupError } from './compose/startup.js';
import { isJitError } from './domain/errors.js';

async function main(): Promise<void> {
  let bot: Bot;
  try {
    bot = await startBot(process.env);
  } catch (error) {
    if (error instanceof StartupError || isJitError(error)) {
      process.stderr.write(`jit: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  process.on('SIGHUP', () => void bot.reloadPolicy());
  // A malformed (but correctly signed) payload can make Bolt reject a promise no
  // one awaits; Node would end the process for it. Say so and keep serving.
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`jit: unhandled rejection, still running: ${reason instanceof Error ? reason.message : String(reason)}\n`);
  });
  const shutdown = (signal: string) => {
    process.stderr.write(`jit: ${signal} received, shutting down\n`);
    bot.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

void main();
