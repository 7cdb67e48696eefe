// `jit <command>`: dispatch, open only what the command needs, and turn every
// failure into one line on stderr and an exit code (io.ts EXIT).

import { readFileSync } from 'node:fs';
import { isJitError } from '../domain/errors.js';
import type { Store } from '../ports/store.js';
import { GroupsUnreadable } from '../ports/unreadable-directory.js';
import { type AuditAnchorOpeners, auditExportCommand, auditVerifyCommand, USAGE as AUDIT } from './audit.js';
import type { CliCore, CliOpeners } from './core.js';
import { COPY_NOTE, dbCopyCommand, USAGE as DB } from './db.js';
import { type EventsOpener, eventsReplayCommand, eventsStatusCommand, USAGE as EVENTS } from './events.js';
import { EXIT, printError, SetupError, UsageError, type CliIo, type ExitCode } from './io.js';
import { namesFor } from './names.js';
import { plain, principalsIn } from './render.js';
import { EXPORT_USAGE as POLICY_EXPORT, policyCheckCommand, policyExportCommand, USAGE as POLICY } from './policy.js';
import { IMPORT_USAGE as POLICY_IMPORT, policyImportCommand } from './policy-import.js';
import { approveCommand, denyCommand, listCommand, requestCommand, revokeCommand, USAGE as REQUESTS } from './requests.js';
import { sweepCommand, USAGE as SWEEP } from './sweep.js';

export const HELP = `jit: just-in-time VM access from the command line, on the bot's own database and policy
(JIT_DB, JIT_POLICY, JIT_BACKEND, … as the bot reads them; .env too when run as \`npx jit\`).

  ${REQUESTS.request}
  ${REQUESTS.approve}
  ${REQUESTS.deny}
  ${REQUESTS.revoke}
  ${REQUESTS.list}
  ${AUDIT.export}
  ${AUDIT.verify}
  ${EVENTS.status}
  ${EVENTS.replay}
  ${POLICY}
  ${POLICY_EXPORT}
  ${POLICY_IMPORT}
  ${SWEEP}
  ${DB.copy}
  jit --version

Every command takes --json for one JSON document on stdout. --as (or JIT_CLI_USER) is the
Slack member ID the action is recorded under. Exit codes: 0 done, 1 refused or failed
(denied, not found, broken audit chain, invalid policy), 2 could not run (usage, environment,
unreadable policy or database, user groups to read without SLACK_BOT_TOKEN). With SLACK_BOT_TOKEN,
people and groups are shown by name (IDs in --json). Errors go to stderr, one line each. JIT_DB may be a SQLite
file or a postgres:// URL; every command works on either.

${COPY_NOTE}
`;

/** The openers, with how `jit audit verify --against-slack` reads Slack (optional: a caller without it gets exit 2 for that flag). */
export type JitOpeners = CliOpeners & { auditAnchors?: AuditAnchorOpeners; events?: EventsOpener };

/** Runs one command line; never throws. */
export async function runJit(argv: readonly string[], io: CliIo, open: JitOpeners): Promise<ExitCode> {
  let core: CliCore | undefined;
  let store: Promise<Store> | undefined;
  const lazyCore = async () => (core ??= await open.core(io.env));
  // Read-only commands open the database alone: no policy, no backends.
  const lazyStore = () => (core ? Promise.resolve(core.store) : (store ??= open.store(io.env)));
  const [command = 'help', ...rest] = argv;
  const named: CliIo = { ...io, names: io.names ?? namesFor(io.env) };
  try {
    return await dispatch(command, rest, named, open, lazyCore, lazyStore);
  } catch (error) {
    return await failure(named, error);
  } finally {
    await core?.close();
    // A store that failed to open has nothing to close; its failure was reported above.
    await (await store?.catch(() => undefined))?.close();
  }
}

async function dispatch(
  command: string,
  rest: string[],
  io: CliIo,
  open: JitOpeners,
  core: () => Promise<CliCore>,
  store: () => Promise<Store>,
): Promise<ExitCode> {
  switch (command) {
    case 'request':
      return requestCommand(core, rest, io);
    case 'approve':
      return approveCommand(core, rest, io);
    case 'deny':
      return denyCommand(core, rest, io);
    case 'revoke':
      return revokeCommand(core, rest, io);
    case 'list':
      return listCommand(store, rest, io);
    case 'sweep':
      return sweepCommand(core, rest, io);
    case 'audit':
      return subcommand('audit', rest, {
        export: (args) => auditExportCommand(store, args, io, Date.now()),
        verify: (args) => auditVerifyCommand(store, args, io, open.auditAnchors),
      });
    case 'events':
      return subcommand('events', rest, {
        status: (args) => eventsStatusCommand(open.events, args, io),
        replay: (args) => eventsReplayCommand(open.events, args, io, Date.now()),
      });
    case 'db':
      return subcommand('db', rest, { copy: (args) => dbCopyCommand(open, args, io) });
    case 'policy': {
      const azure = (url: string) => open.azurePolicy(url, io.env);
      return subcommand('policy', rest, {
        check: (args) => policyCheckCommand(args, io, open.policyFile, azure),
        export: (args) => policyExportCommand(args, io, open.policyFile, () => open.overlay(io.env), azure),
        import: (args) => policyImportCommand(args, io, azure),
      });
    }
    case 'version':
    case '--version':
      io.stdout(`${packageVersion()}\n`);
      return EXIT.ok;
    case 'help':
    case '--help':
    case '-h':
      io.stdout(HELP);
      return EXIT.ok;
    default:
      throw new UsageError(`${command.slice(0, 40)} is not a jit command: run \`jit help\` for the list`);
  }
}

/** The version in the package.json of the checkout or install this runs from. */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return String(manifest.version);
}

function subcommand(group: string, rest: string[], commands: Record<string, (args: string[]) => ExitCode | Promise<ExitCode>>): ExitCode | Promise<ExitCode> {
  const [name = '', ...args] = rest;
  const run = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!run) throw new UsageError(`jit ${group} needs one of: ${Object.keys(commands).join(', ')}`);
  return run(args);
}

async function failure(io: CliIo, error: unknown): Promise<ExitCode> {
  if (error instanceof UsageError || error instanceof SetupError || error instanceof GroupsUnreadable) {
    printError(io, error.message);
    return EXIT.usage;
  }
  if (isJitError(error)) {
    await io.names?.learn(principalsIn(error.reason));
    printError(io, plain(error.reason, io.names));
    return EXIT.failed;
  }
  printError(io, `unexpected error: ${error instanceof Error ? error.message : String(error)}; run \`jit list\` to see where the request stands`);
  return EXIT.failed;
}
