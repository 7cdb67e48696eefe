// `jit audit export` and `jit audit verify`, on the bot's database. The export
// needs no reader check (whoever runs the CLI can read the database file
// itself) but is recorded as an `audit.exported` event. `verify` checks the
// chain; with --against-slack also against what the audit channel anchors
// (audit-anchor.ts). `npm run audit:verify` runs `jit audit verify`.

import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { AnchorKey } from '../domain/audit-anchor.js';
import { type Anchor, anchorProblemText, compareAnchors, type DatabaseChain } from '../domain/audit-anchor-verdict.js';
import { auditExported } from '../domain/changes/audit-exported.js';
import type { ExportFilter } from '../domain/audit-export.js';
import { parseDuration } from '../domain/duration.js';
import type { AuditLog, RequestStore } from '../ports/store.js';
import { exportAudit } from '../workflow/audit-export.js';
import { type Args, exactly, readArgs, stringOption } from './args.js';
import { EXIT, printJson, SetupError, UsageError, type CliIo, type ExitCode } from './io.js';

export const USAGE = {
  export: 'jit audit export [--since <7d|2026-01-31>] [--vm <vm>] [--out <file>] [--as <U…>]',
  verify: 'jit audit verify [--against-slack]',
};

export async function auditExportCommand(
  store: () => Promise<AuditLog & Pick<RequestStore, 'getRequest'>>,
  argv: string[],
  io: CliIo,
  now: number,
): Promise<ExitCode> {
  const args = readArgs(argv, { since: { type: 'string' }, vm: { type: 'string' }, out: { type: 'string' }, as: { type: 'string' } }, USAGE.export);
  exactly(args, 0, USAGE.export);
  const since = stringOption(args, 'since');
  const vm = stringOption(args, 'vm');
  const filter: ExportFilter = { ...(since === undefined ? {} : { since: sinceOf(since, now) }), ...(vm === undefined ? {} : { vm }) };
  const opened = await store();
  const { rows, csv } = await exportAudit(opened, filter);
  // Recorded before the file is written: an export that reached nobody is still one that was taken.
  const exported = auditExported(exporterOf(args, io.env), filter, rows.length, 'cli', now);
  await opened.recordSystemEvent(exported.event, exported.notifications);
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

/** Who exported: --as or JIT_CLI_USER when given, else the operating-system user running the CLI. */
/** Who runs a CLI command that is audited: `--as`, JIT_CLI_USER, or `cli:<login name>`. */
export function exporterOf(args: Args, env: NodeJS.ProcessEnv): string {
  const given = stringOption(args, 'as') ?? env.JIT_CLI_USER?.trim();
  if (given) return given;
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
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

export async function auditVerifyCommand(store: () => Promise<AuditLog>, argv: string[], io: CliIo, anchors?: AuditAnchorOpeners): Promise<ExitCode> {
  const args = readArgs(argv, { 'against-slack': { type: 'boolean' } }, USAGE.verify);
  exactly(args, 0, USAGE.verify);
  if (args.values['against-slack'] === true) {
    if (!anchors) throw new SetupError('this jit cannot read Slack: --against-slack needs the CLI as installed (npm run jit)');
    return verifyAgainstSlack(anchors, args.json, io);
  }
  const verdict = await (await store()).verifyAuditChain();
  if (args.json) printJson(io, verdict);
  else if (verdict.ok) io.stdout(`audit log intact: ${verdict.rows} rows, head ${verdict.head}\n`);
  else {
    const what = verdict.problem === 'edited' ? 'was edited' : 'does not follow the row before it: a row before it was deleted or the rows were reordered';
    io.stdout(`audit log broken: row seq=${verdict.seq} ${what} (checked ${verdict.rows} rows)\n`);
  }
  return verdict.ok ? EXIT.ok : EXIT.failed;
}

/** How `jit audit verify --against-slack` reaches Slack, the database and the key (compose/audit-anchors.ts); each throws SetupError when it cannot. */
export interface AuditAnchorOpeners {
  key(env: NodeJS.ProcessEnv): Promise<AnchorKey | undefined>;
  slack(env: NodeJS.ProcessEnv): Promise<Anchor[]>;
  database(env: NodeJS.ProcessEnv): Promise<DatabaseChain>;
}

async function verifyAgainstSlack(open: AuditAnchorOpeners, json: boolean, io: CliIo): Promise<ExitCode> {
  const key = await open.key(io.env);
  const database = await open.database(io.env);
  const anchors = await open.slack(io.env);
  if (key === undefined && anchors.some((anchor) => anchor.source === 'checkpoint')) {
    throw new SetupError(
      "the audit channel has signed checkpoints but no key is set to check them: set JIT_AUDIT_KEY (HMAC) or JIT_AUDIT_SIGNING_KEY (the Ed25519 key's PEM file; its public half is enough)",
    );
  }
  const verdict = compareAnchors(anchors, key, database);
  if (json) {
    printJson(io, { ...verdict, problems: verdict.problems.map((problem) => ({ ...problem, text: anchorProblemText(problem) })) });
  } else if (verdict.ok) {
    const head = database.verdict.ok ? `, head ${database.verdict.head}` : '';
    io.stdout(
      `audit log intact against Slack: ${verdict.databaseRows} rows${head}; the audit channel anchors up to row ${verdict.newestAnchored} (${verdict.checkpoints} signed checkpoints, ${verdict.posts} posts)\n`,
    );
    if (verdict.checkpoints === 0)
      io.stdout('note: the audit channel has no signed checkpoint; set JIT_AUDIT_KEY or JIT_AUDIT_SIGNING_KEY on the bot to post them\n');
  } else {
    io.stdout(
      `audit log broken against Slack (${verdict.databaseRows} rows in the database, the audit channel anchors up to row ${verdict.newestAnchored}):\n`,
    );
    for (const problem of verdict.problems) io.stdout(`- ${anchorProblemText(problem)}\n`);
  }
  return verdict.ok ? EXIT.ok : EXIT.failed;
}
