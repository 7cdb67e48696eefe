// `jit db copy`: the bot's SQLite database into an empty PostgreSQL one, every
// row as it is (copy-tables.ts), so a team that outgrows one machine keeps its
// history and its audit chain. The source is migrated to this build's schema
// first (SqliteStore.open), so both databases are at the same version; the
// copy is one PostgreSQL transaction; then PostgreSQL itself verifies the
// chain and every table's count is compared with the source's.

import { statSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { GENESIS, verifyChain, type ChainRow, type ChainVerdict } from '../domain/audit-chain.js';
import { isJitError } from '../domain/errors.js';
import { plural } from '../domain/wording.js';
import { schemaVersion } from './migrate.js';
import { migrations } from './migrations/index.js';
import { COPIED_TABLES, copyTables, countPostgres, countSqlite, ROW_NOUNS, type TableCounts } from './copy-tables.js';
import { createPool, describeDatabase, inTransaction, type PgPool, storableText, type PoolClient } from './postgres/pool.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite-store.js';

/** What was copied, table by table, and the audit chain as PostgreSQL verified it. */
export interface CopyReport {
  from: string;
  /** The target, without its password. */
  to: string;
  tables: TableCounts;
  chain: { rows: number; head: string };
}

/** Copied; refused before anything was written (the command could not run); or failed, saying the first problem. */
export type CopyResult = { outcome: 'copied'; report: CopyReport } | { outcome: 'refused'; reason: string } | { outcome: 'failed'; problem: string };

export interface CopyOptions {
  /** How the target is named in messages; by default its host and database. */
  label?: string;
}

const APPLICATION_NAME = 'jit db copy';
const TABLES_LOCKED = COPIED_TABLES.join(', ');
/** How long the copy waits for a bot that is still writing to the target before giving up. */
const LOCK_TIMEOUT = '10s';

/** Thrown inside the copy's transaction to roll it back and refuse. */
class Refusal extends Error {}

export async function copySqliteToPostgres(from: string, to: string, options: CopyOptions = {}): Promise<CopyResult> {
  const label = options.label ?? describeDatabase(to);
  const refusal = checkSource(from);
  if (refusal !== undefined) return { outcome: 'refused', reason: refusal };
  try {
    // Brings the source to this build's schema, the one the target is migrated to.
    await SqliteStore.open(from).close();
  } catch (error) {
    return { outcome: 'refused', reason: `${from} cannot be opened: ${messageOf(error)}` };
  }
  let target: PostgresStore;
  try {
    target = await PostgresStore.open(to, { poolSize: 1, applicationName: APPLICATION_NAME });
  } catch (error) {
    return { outcome: 'refused', reason: unreachable(label, error) };
  }
  const pool = createPool(to, { poolSize: 1, applicationName: APPLICATION_NAME });
  let source: Database | undefined;
  try {
    source = new BetterSqlite3(from, { readonly: true, fileMustExist: true });
    return await copyOpened(source, target, pool, label);
  } finally {
    if (source?.inTransaction) source.exec('ROLLBACK');
    source?.close();
    await pool.end().catch(() => undefined);
    await target.close();
  }
}

async function copyOpened(source: Database, target: PostgresStore, pool: PgPool, label: string): Promise<CopyResult> {
  // One read transaction: what is checked and counted is what is copied, even if a bot still writes.
  source.exec('BEGIN');
  const chain = sourceChain(source);
  if (chain.problem !== undefined) return { outcome: 'failed', problem: `${chain.problem}; nothing was copied` };
  const counts = countSqlite(source);
  try {
    await inTransaction(pool, (client) => copyInto(client, source, label));
  } catch (error) {
    if (error instanceof Refusal) return { outcome: 'refused', reason: error.message };
    return { outcome: 'failed', problem: `copying into ${label} failed, so nothing was copied: ${messageOf(error)}` };
  }
  let problem: string | undefined;
  try {
    problem = await checkCopy(target, await countPostgres(pool), counts, chain.verdict);
  } catch (error) {
    problem = `the copy was written, but checking it failed: ${messageOf(error)}`;
  }
  if (problem !== undefined) return { outcome: 'failed', problem: `${problem}: drop and recreate ${label} before copying again` };
  const report = { from: source.name, to: label, tables: counts, chain: { rows: chain.verdict.rows, head: chain.verdict.head } };
  return { outcome: 'copied', report };
}

/** Why `from` cannot be the source, before anything is opened for writing; undefined when it can. */
function checkSource(from: string): string | undefined {
  const file = statSync(from, { throwIfNoEntry: false });
  if (file === undefined) return `${from} does not exist: give the bot's SQLite database file (its JIT_DB) as the first argument`;
  if (!file.isFile()) return `${from} is not a file: give the bot's SQLite database file (its JIT_DB) as the first argument`;
  let db: Database;
  try {
    db = new BetterSqlite3(from, { readonly: true, fileMustExist: true });
  } catch (error) {
    return `${from} cannot be read: ${messageOf(error)}`;
  }
  try {
    const version = schemaVersion(db);
    if (version === 0) return `${from} is not the bot's database (it has no jit tables): give the bot's SQLite database file (its JIT_DB)`;
    if (version > migrations.length) {
      return `${from} was written by a newer version of the bot (schema ${version}, this build knows ${migrations.length}): copy it with that version`;
    }
    return undefined;
  } catch (error) {
    return `${from} is not a SQLite database (${messageOf(error)}): give the bot's database file (its JIT_DB)`;
  } finally {
    db.close();
  }
}

type SourceChain = { verdict: Extract<ChainVerdict, { ok: true }>; problem?: undefined } | { problem: string };

/**
 * The source's audit chain, verified before the copy: a broken chain would be
 * copied broken. A row holding text PostgreSQL cannot keep (U+0000) would read
 * back changed there, and its hash would no longer verify.
 */
function sourceChain(source: Database): SourceChain {
  let unstorable: number | undefined;
  const rows = source
    .prepare('SELECT seq, request_id AS requestId, name, actor, at, detail, prev_hash AS prevHash, hash FROM audit_events ORDER BY seq')
    .iterate() as IterableIterator<ChainRow>;
  function* watched(): Generator<ChainRow> {
    for (const row of rows) {
      const texts = [row.requestId, row.name, row.actor, row.detail];
      if (unstorable === undefined && texts.some((text) => text !== null && storableText(text) !== text)) unstorable = row.seq;
      yield row;
    }
  }
  const verdict = verifyChain(watched());
  if (!verdict.ok) {
    const what = verdict.problem === 'edited' ? 'was edited' : 'does not follow the row before it';
    return { problem: `the audit log of ${source.name} is broken: row seq=${verdict.seq} ${what} (jit audit verify with JIT_DB=${source.name} shows it)` };
  }
  if (unstorable !== undefined) {
    return { problem: `audit row seq=${unstorable} of ${source.name} holds a NUL character, which PostgreSQL cannot store: its hash would not verify there` };
  }
  return { verdict };
}

/** Inside the copy's transaction: the target's tables locked against a running bot, refused unless empty, then every row. */
async function copyInto(client: PoolClient, source: Database, label: string): Promise<void> {
  await client.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
  await client.query(`LOCK TABLE ${TABLES_LOCKED} IN EXCLUSIVE MODE`).catch((error: unknown) => {
    throw new Refusal(`${label} is in use (${messageOf(error)}): stop every bot using it, then copy again`);
  });
  const held = await countPostgres(client);
  const table = COPIED_TABLES.find((name) => held[name] > 0);
  if (table !== undefined) {
    throw new Refusal(
      `${label} already holds ${plural(held[table], ROW_NOUNS[table])}: copy into an empty database (CREATE DATABASE a new one and give its URL)`,
    );
  }
  await copyTables(source, client);
}

/** The first difference between the copy, as PostgreSQL reads it, and the source; undefined when there is none. */
async function checkCopy(
  target: PostgresStore,
  copied: TableCounts,
  counts: TableCounts,
  chain: Extract<ChainVerdict, { ok: true }>,
): Promise<string | undefined> {
  const verdict = await target.verifyAuditChain();
  if (!verdict.ok) return `the audit chain copied does not verify on PostgreSQL: row seq=${verdict.seq} ${verdict.problem.replaceAll('_', ' ')}`;
  if (verdict.rows !== chain.rows || verdict.head !== chain.head) {
    return `the audit chain on PostgreSQL (${verdict.rows} rows, head ${short(verdict.head)}) is not the source's (${chain.rows} rows, head ${short(chain.head)})`;
  }
  const table = COPIED_TABLES.find((name) => copied[name] !== counts[name]);
  return table === undefined ? undefined : `PostgreSQL holds ${copied[table]} ${table} rows after the copy, the source ${counts[table]}`;
}

/** The target could not be opened: unreachable, refused the login, or from a newer build. */
function unreachable(label: string, error: unknown): string {
  const message = messageOf(error);
  const connection = /^could not open \S+: (.*)$/s.exec(message);
  if (connection === null) return message;
  return `cannot reach ${label}: ${connection[1]}: check that PostgreSQL runs there and that the URL's user, password and database are right`;
}

function short(hash: string): string {
  return hash === GENESIS ? 'none' : hash.slice(0, 12);
}

function messageOf(error: unknown): string {
  return isJitError(error) || error instanceof Error ? error.message : String(error);
}
