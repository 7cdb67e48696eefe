// The light half of the CLI's composition: the environment and the database,
// for commands that only read (list, audit). The heavy half (cli-core.ts: the
// firewall modules and Slack's client) is imported only by commands that act.

import { existsSync } from 'node:fs';
import { loadCliConfig, type CliConfig } from '../config/env.js';
import { isJitError } from '../domain/errors.js';
import type { OverlayVm } from '../domain/policy/overlay.js';
import { readOverlayFile } from '../store/overlay-statements.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { SetupError } from '../cli/io.js';
import type { Store } from '../ports/store.js';

export function cliConfig(env: NodeJS.ProcessEnv): CliConfig {
  const loaded = loadCliConfig(env);
  if (!loaded.ok) throw new SetupError(loaded.error.split('\n')[0] ?? loaded.error);
  return loaded.config;
}

/** The bot's database, which must exist already: a mistyped JIT_DB must not quietly start an empty log. */
export function openDatabase(config: Pick<CliConfig, 'JIT_DB'>): Store {
  const file = config.JIT_DB;
  if (file !== ':memory:' && !existsSync(file)) {
    throw new SetupError(`JIT_DB (${file}) does not exist: set JIT_DB to the bot's database file (the bot creates it when it first starts)`);
  }
  try {
    return SqliteStore.open(file);
  } catch (error) {
    throw new SetupError(`JIT_DB (${file}) cannot be opened: ${isJitError(error) ? error.message : String(error)}`);
  }
}

/** `jit`'s read-only commands: the database JIT_DB names. */
export function openCliStore(env: NodeJS.ProcessEnv): Store {
  return openDatabase(cliConfig(env));
}

/**
 * The Slack overlay kept in the bot's database (JIT_DB, default ./data/jit.db),
 * read without writing to it, so an export may run beside a live bot; none
 * before the bot first ran.
 */
export function readStoredOverlay(dbPath: string | undefined): OverlayVm[] {
  const path = dbPath?.trim() || './data/jit.db';
  return existsSync(path) ? readOverlayFile(path) : [];
}
