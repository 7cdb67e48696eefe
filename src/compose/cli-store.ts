// The light half of the CLI's composition: the environment and the database,
// for commands that only read (list, audit, policy export) and for `jit db
// copy`. The heavy half (cli-core.ts: the firewall modules and Slack's client)
// is imported only by commands that act. JIT_DB names a SQLite file or a
// PostgreSQL URL; both are opened as the bot opens them (startup.ts openStore).

import { existsSync } from 'node:fs';
import type { DatabaseCopy } from '../cli/core.js';
import { SetupError } from '../cli/io.js';
import { isPostgresUrl, loadCliConfig, type CliConfig } from '../config/env.js';
import type { OverlayVm } from '../domain/policy/overlay.js';
import { systemClock } from '../ports/clock.js';
import type { RequestLock } from '../ports/lock.js';
import type { Store } from '../ports/store.js';
import { readOverlayFile } from '../store/overlay-statements.js';
import { type OpenedStore, openStore, redactUrl } from './startup.js';

const DEFAULT_DB = './data/jit.db';

export function cliConfig(env: NodeJS.ProcessEnv): CliConfig {
  const loaded = loadCliConfig(env);
  if (!loaded.ok) throw new SetupError(loaded.error.split('\n')[0] ?? loaded.error);
  return loaded.config;
}

/**
 * The bot's database and the per-request lock that fits it (on PostgreSQL the
 * one the bot's replicas hold, so a CLI approve never races a replica's click).
 * A SQLite file must exist already: a mistyped JIT_DB must not quietly start an empty log.
 */
export async function openDatabase(config: Pick<CliConfig, 'JIT_DB' | 'JIT_DB_POOL'> & Partial<Pick<CliConfig, 'JIT_REPLICA_ID'>>): Promise<OpenedStore> {
  const target = config.JIT_DB;
  const postgres = isPostgresUrl(target);
  if (!postgres && target !== ':memory:' && !existsSync(target)) {
    throw new SetupError(`JIT_DB (${target}) does not exist: set JIT_DB to the bot's database file (the bot creates it when it first starts)`);
  }
  try {
    return await openStore(config, systemClock);
  } catch (error) {
    throw new SetupError(postgres ? postgresFailure(target, error) : `JIT_DB (${target}) cannot be opened: ${whyNotOpened(error)}`);
  }
}

/** `jit`'s read-only commands: the database JIT_DB names, without the request lock they never take. */
export async function openCliStore(env: NodeJS.ProcessEnv): Promise<Store> {
  const { store, lock } = await openDatabase(cliConfig(env));
  await closeLock(lock);
  return store;
}

/** The PostgreSQL request lock has a pool of its own to end; the in-process lock has nothing. */
export async function closeLock(lock: RequestLock): Promise<void> {
  const closable = lock as RequestLock & { close?: () => Promise<void> };
  await closable.close?.();
}

/**
 * The Slack overlay kept in the bot's database (JIT_DB, default ./data/jit.db).
 * A SQLite file is read without writing to it, so an export may run beside a
 * live bot; none before the bot first ran. A PostgreSQL database is read through the store.
 */
export async function readStoredOverlay(dbPath: string | undefined): Promise<OverlayVm[]> {
  const target = dbPath?.trim() || DEFAULT_DB;
  if (!isPostgresUrl(target)) return existsSync(target) ? readOverlayFile(target) : [];
  const { store, lock } = await openDatabase({ JIT_DB: target, JIT_DB_POOL: 1 });
  await closeLock(lock);
  try {
    return await store.overlayVms();
  } finally {
    await store.close();
  }
}

/**
 * `jit db copy <from> <to>`: a SQLite file into an empty PostgreSQL database.
 * The PostgreSQL client and the copier load only for this command.
 */
export async function copyDatabase(from: string, to: string): Promise<DatabaseCopy> {
  if (!isPostgresUrl(to)) {
    return { outcome: 'refused', reason: `${hidePassword(to)} is not a PostgreSQL URL: give the target as postgres://user:password@host:5432/database` };
  }
  const { copySqliteToPostgres } = await import('../store/copy.js');
  return copySqliteToPostgres(from, to, { label: redactUrl(to) });
}

/**
 * A PostgreSQL database that cannot be opened, in one line: the URL without
 * its password, why, and what to check when the server could not be reached
 * or refused the login.
 */
function postgresFailure(url: string, error: unknown): string {
  const why = whyNotOpened(error);
  const connection = /^(?:could not open|cannot open) \S+: (.*)$/s.exec(why);
  if (connection === null) return `JIT_DB (${redactUrl(url)}) cannot be used: ${why}`;
  return `JIT_DB (${redactUrl(url)}) cannot be reached: ${connection[1]}: check that PostgreSQL runs at that host and port and that the URL's user, password and database are right`;
}

/** The store's own sentence, without the `JIT_DB ` openStore puts before it. */
function whyNotOpened(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/^JIT_DB /, '');
}

/** Some other URL (mysql://user:secret@…) typed as the target: echoed without its password. */
function hidePassword(text: string): string {
  if (!URL.canParse(text)) return text;
  const url = new URL(text);
  if (url.password !== '') url.password = '***';
  return url.toString();
}
