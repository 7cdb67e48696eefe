// `jit audit export` and `jit audit verify`: read-only, on the bot's database.
// The export needs no reader check: whoever runs the CLI can read the database
// file itself. `npm run audit:verify` runs `jit audit verify`.

import { writeFileSync } from 'node:fs';
import type { ExportFilter } from '../domain/audit-export.js';
import { parseDuration } from '../domain/duration.js';
import type { AuditLog, RequestStore } from '../ports/store.js';
import { exportAudit } from '../workflow/audit-export.js';
import { exactly, readArgs, stringOption } from './args.js';
import { EXIT, printJson, SetupError, UsageError, type CliIo, type ExitCode } from './io.js';

export const USAGE = {
  export: 'jit audit export [--since <7d|2026-01-31>] [--vm <vm>] [--out <file>]',
  verify: 'jit audit verify',
};

export async function auditExportCommand(
  store: () => Promise<AuditLog & Pick<RequestStore, 'getRequest'>>,
  argv: string[],
  io: CliIo,
  now: number,
): Promise<ExitCode> {
  const args = readArgs(argv, { since: { type: 'string' }, vm: { type: 'string' }, out: { type: 'string' } }, USAGE.export);
  exactly(args, 0, USAGE.export);
  const since = stringOption(args, 'since');
  const vm = stringOption(args, 'vm');
  const filter: ExportFilter = { ...(since === undefined ? {} : { since: sinceOf(since, now) }), ...(vm === undefined ? {} : { vm }) };
  const { rows, csv } = await exportAudit(await store(), filter);
  const text = args.json ? `${JSON.stringify({ rows }, null, 2)}\n` : csv;
  const out = stringOption(args, 'out');
  if (out === undefined) {
    io.stdout(text);
    return EXIT.ok;
  }
  try {
    writeFileSync(out, text, { mode: 0o600 });
  } catch (error) {
    throw new SetupError(`cannot write ${out}: ${error instanceof Error ? error.message : String(error)}`);
  }
  io.stderr(`wrote ${rows.length} audit events to ${out}\n`);
  return EXIT.ok;
}

/** `7d`, `12h`, `PT30M` back from now, or a date or time in ISO 8601 (`2026-01-31`, `2026-01-31T08:00Z`, UTC unless it says). */
function sinceOf(text: string, now: number): number {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const at = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
    if (!Number.isNaN(at)) return at;
  } else {
    const duration = parseDuration(text);
    if (duration.ok) return now - duration.seconds * 1000;
  }
  throw new UsageError(`--since ${text.slice(0, 40)} is neither a duration such as 7d nor a date such as 2026-01-31`);
}

export async function auditVerifyCommand(store: () => Promise<AuditLog>, argv: string[], io: CliIo): Promise<ExitCode> {
  const args = readArgs(argv, {}, USAGE.verify);
  exactly(args, 0, USAGE.verify);
  const verdict = await (await store()).verifyAuditChain();
  if (args.json) printJson(io, verdict);
  else if (verdict.ok) io.stdout(`audit log intact: ${verdict.rows} rows, head ${verdict.head}\n`);
  else {
    const what = verdict.problem === 'edited' ? 'was edited' : 'does not follow the row before it: a row before it was deleted or the rows were reordered';
    io.stdout(`audit log broken: row seq=${verdict.seq} ${what} (checked ${verdict.rows} rows)\n`);
  }
  return verdict.ok ? EXIT.ok : EXIT.failed;
}
