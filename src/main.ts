// Process entry: start the bot with the environment, wire signals, and turn a
// startup problem into one line on stderr (no stack trace) and exit code 1.

import type { Bot } from './bot.js';
import { deferBoltExtras } from './compose/deferred-packages.js';
import { isJitError } from './domain/errors.js';

async function main(): Promise<void> {
  // Before Bolt loads: its Socket Mode and Express parts load only if used (deferred-packages.ts).
  deferBoltExtras();
  const [{ startBot }, { StartupError }] = await Promise.all([import('./bot.js'), import('./compose/startup.js')]);
  let bot: Bot;
  try {
    bot = await startBot(process.env);
  } catch (error) {
    // A startup problem is said, not thrown: every line starts with `jit:` (a
    // bad environment has one line per variable), and no stack trace. A stack
    // trace means a bug, and is printed only at JIT_LOG_LEVEL=debug.
    const expected = error instanceof StartupError || isJitError(error);
    const message = error instanceof Error ? error.message : String(error);
    for (const line of (expected ? message : `could not start: ${message}`).split('\n')) process.stderr.write(`jit: ${line}\n`);
    if (!expected && process.env.JIT_LOG_LEVEL === 'debug' && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exit(1);
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
