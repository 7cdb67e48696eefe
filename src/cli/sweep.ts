// `jit sweep`: one sweep now, as the bot's minute cron runs it: reminders,
// timeouts, grants a crash left approved, and closes past their end.

import { exactly, readArgs } from './args.js';
import type { CliCore } from './core.js';
import { EXIT, printJson, type CliIo, type ExitCode } from './io.js';

export const USAGE = 'jit sweep';

export async function sweepCommand(core: () => Promise<CliCore>, argv: string[], io: CliIo): Promise<ExitCode> {
  const args = readArgs(argv, {}, USAGE);
  exactly(args, 0, USAGE);
  const { workflow } = await core();
  const report = await workflow.sweep();
  if (args.json) printJson(io, report);
  else
    io.stdout(
      `sweep done: ${report.closed} closed, ${report.stillClosing} still closing, ${report.timedOut} timed out, ${report.reminded} reminded, ${report.resumed} resumed\n`,
    );
  return report.stillClosing > 0 ? EXIT.failed : EXIT.ok;
}
