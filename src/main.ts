// Process entry: start the bot with the environment, wire signals, and turn a
// startup problem into one line on stderr (no stack trace) and exit code 1.

import { startBot, StartupError, type Bot } from './bot.js';
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
