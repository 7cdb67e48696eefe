// The tables `jit db copy` carries from SQLite to PostgreSQL (copy.ts), in an
// order the foreign keys accept. Each is read in write order (rowid), so the
// `pos` columns PostgreSQL numbers as rows arrive keep the order SQLite's
// rowid gave (a batch lists leader first, message refs in the order written).
// Leases are not copied: they name replicas of the old bot, and run out anyway.
// API tokens and the event stream's cursors and dead letters are: scripts keep
// working, and each sink goes on from the event it had reached.

import type { Database } from 'better-sqlite3';
import { run, type PgPool, type PoolClient } from './postgres/pool.js';

export const COPIED_TABLES = [
  'requests',
  'audit_events',
  'outbox',
  'outbox_posts',
  'message_refs',
  'source_links',
  'policy_overlay',
  'api_tokens',
  'stream_cursors',
  'stream_dead_letters',
] as const;
export type CopiedTable = (typeof COPIED_TABLES)[number];
export type TableCounts = Record<CopiedTable, number>;

/** What one row of each table is called in a sentence. */
export const ROW_NOUNS: Record<CopiedTable, string> = {
  requests: 'request',
  audit_events: 'audit event',
  outbox: 'outbox row',
  outbox_posts: 'outbox post',
  message_refs: 'message ref',
  source_links: 'source link',
  policy_overlay: 'policy overlay entry',
  api_tokens: 'API token',
  stream_cursors: 'event-stream cursor',
  stream_dead_letters: 'event-stream dead letter',
};

interface TableCopy {
  /** SQLite's columns, read in this order. */
  select: readonly string[];
  /** PostgreSQL's columns, written in this order. */
  columns: readonly string[];
  /** The outbox keeps its ids: outbox_posts points at them, and delivery follows id order. */
  keepIds?: boolean;
  /** PostgreSQL's values from SQLite's; the same values when absent. */
  values?(row: unknown[]): unknown[];
}

const TABLES: Record<CopiedTable, TableCopy> = {
  requests: {
    select: ['id', 'state', 'version', 'requester', 'vm', 'created_at', 'end_at', 'data'],
    columns: ['id', 'state', 'version', 'requester', 'vm', 'created_at', 'end_at', 'batch_id', 'extends_id', 'data'],
    // PostgreSQL filters on copies of two JSON fields (its migration 0001 says why); `data` stays the text SQLite holds.
    values: (row) => {
      const { batchId, extends: extended } = JSON.parse(row[7] as string) as { batchId?: unknown; extends?: unknown };
      return [...row.slice(0, 7), batchId ?? null, extended ?? null, row[7]];
    },
  },
  // seq, prev_hash and hash as they are: the chain verifies unchanged, and new rows continue at max(seq) + 1.
  audit_events: {
    select: ['seq', 'request_id', 'name', 'actor', 'at', 'detail', 'prev_hash', 'hash'],
    columns: ['seq', 'request_id', 'name', 'actor', 'at', 'detail', 'prev_hash', 'hash'],
  },
  // Claims are not copied (claimed_by, claimed_until stay NULL): no worker of the new database holds them.
  // lane and created_at (schema 7) as they are: a NULL created_at stays NULL (the column's default is for writers only).
  outbox: {
    select: ['id', 'request_id', 'lane', 'notification', 'attempts', 'next_attempt_at', 'delivered_at', 'last_error', 'created_at'],
    columns: ['id', 'request_id', 'lane', 'notification', 'attempts', 'next_attempt_at', 'delivered_at', 'last_error', 'created_at'],
    keepIds: true,
  },
  outbox_posts: { select: ['outbox_id', 'step', 'channel', 'claimed_at', 'ts'], columns: ['outbox_id', 'step', 'channel', 'claimed_at', 'ts'] },
  message_refs: { select: ['request_id', 'role', 'channel', 'ts'], columns: ['request_id', 'role', 'channel', 'ts'] },
  source_links: { select: ['nonce', 'user', 'address', 'used_at'], columns: ['nonce', '"user"', 'address', 'used_at'] },
  policy_overlay: { select: ['name', 'vm', 'updated_by', 'updated_at'], columns: ['name', 'vm', 'updated_by', 'updated_at'] },
  api_tokens: {
    select: ['id', 'owner', 'name', 'secret_hash', 'created_at', 'expires_at', 'revoked_at', 'revoked_by', 'last_used_at'],
    columns: ['id', 'owner', 'name', 'secret_hash', 'created_at', 'expires_at', 'revoked_at', 'revoked_by', 'last_used_at'],
  },
  stream_cursors: {
    select: ['sink', 'seq', 'attempts', 'next_attempt_at', 'last_error', 'dead_streak'],
    columns: ['sink', 'seq', 'attempts', 'next_attempt_at', 'last_error', 'dead_streak'],
  },
  stream_dead_letters: { select: ['sink', 'seq', 'attempts', 'last_error', 'at'], columns: ['sink', 'seq', 'attempts', 'last_error', 'at'] },
};

/** Rows per INSERT: few round trips, far below PostgreSQL's 65,535 parameters. */
const PAGE_ROWS = 500;

/** Rows per table in SQLite; inside the caller's read transaction, the snapshot that is copied. */
export function countSqlite(source: Database): TableCounts {
  return countsOf((table) => (source.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n);
}

/** Rows per table in PostgreSQL. */
export async function countPostgres(on: PgPool | PoolClient): Promise<TableCounts> {
  const { rows } = await run<{ name: CopiedTable; n: number }>(
    on,
    COPIED_TABLES.map((table) => `SELECT '${table}' AS name, count(*)::bigint AS n FROM ${table}`).join(' UNION ALL '),
  );
  const found = new Map(rows.map(({ name, n }) => [name, n]));
  return countsOf((table) => found.get(table) ?? 0);
}

/** Copies every table in write order, inside the caller's PostgreSQL transaction; resolves with the rows written per table. */
export async function copyTables(source: Database, client: PoolClient): Promise<TableCounts> {
  const written = countsOf(() => 0);
  for (const table of COPIED_TABLES) {
    const spec = TABLES[table];
    const page = source.prepare(`SELECT rowid, ${spec.select.join(', ')} FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT ${PAGE_ROWS}`).raw(true);
    let after = 0;
    for (;;) {
      const rows = page.all(after) as unknown[][];
      if (rows.length === 0) break;
      after = rows.at(-1)![0] as number;
      const values = rows.map((row) => (spec.values ? spec.values(row.slice(1)) : row.slice(1)));
      await insertPage(client, table, spec, values);
      written[table] += rows.length;
    }
  }
  // The outbox's identity continues after the copied ids (the `pos` identities advanced as rows arrived).
  await run(client, "SELECT setval(pg_get_serial_sequence('outbox', 'id'), max(id)) FROM outbox HAVING max(id) IS NOT NULL");
  return written;
}

async function insertPage(client: PoolClient, table: CopiedTable, spec: TableCopy, rows: unknown[][]): Promise<void> {
  const params: unknown[] = [];
  const tuples = rows.map((row) => `(${row.map((value) => `$${params.push(value)}`).join(', ')})`);
  const overriding = spec.keepIds ? ' OVERRIDING SYSTEM VALUE' : '';
  await run(client, `INSERT INTO ${table} (${spec.columns.join(', ')})${overriding} VALUES ${tuples.join(', ')}`, params);
}

function countsOf(count: (table: CopiedTable) => number): TableCounts {
  return Object.fromEntries(COPIED_TABLES.map((table) => [table, count(table)])) as TableCounts;
}
