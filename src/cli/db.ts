// `jit db copy <from> <to>`: the bot's SQLite database into an empty
// PostgreSQL database, the way a team outgrows one machine. The copying is the
// store's (handed in as CliOpeners.copyDatabase); this is the command's shape:
// arguments, refusals as exit 2, a failed check as exit 1, and what it prints.

import { exactly, readArgs } from './args.js';
import type { CliOpeners } from './core.js';
import { EXIT, printError, printJson, SetupError, type CliIo, type ExitCode } from './io.js';
import { table } from './table.js';

export const USAGE = {
  copy: 'jit db copy <sqlite-file> <postgres-url>',
};

/** What `jit help` says about the command beyond its usage line. */
export const COPY_NOTE = `jit db copy migrates <sqlite-file> to this build's schema first, then copies every row into an
empty PostgreSQL database in one transaction and verifies the audit chain there. Stop the bot first.`;

export async function dbCopyCommand(open: Pick<CliOpeners, 'copyDatabase'>, argv: string[], io: CliIo): Promise<ExitCode> {
  const args = readArgs(argv, {}, USAGE.copy);
  const [from, to] = exactly(args, 2, USAGE.copy) as [string, string];
  const result = await open.copyDatabase(from, to);
  if (result.outcome === 'refused') throw new SetupError(result.reason);
  if (result.outcome === 'failed') {
    if (args.json) printJson(io, { ok: false, problem: result.problem });
    printError(io, result.problem);
    return EXIT.failed;
  }
  const { report } = result;
  if (args.json) {
    printJson(io, { ok: true, ...report });
    return EXIT.ok;
  }
  const rows = Object.entries(report.tables).map(([name, count]) => [name, String(count)]);
  io.stdout(`copied ${report.from} into ${report.to}\n${table(['TABLE', 'ROWS'], rows)}`);
  io.stdout(`audit chain verified on PostgreSQL: ${report.chain.rows} rows, head ${report.chain.head}\n`);
  io.stdout("next: point every replica's JIT_DB at the PostgreSQL URL, then start them\n");
  return EXIT.ok;
}
