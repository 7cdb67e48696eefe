// The audit log's hash chain in PostgreSQL. Several replicas append to one
// linear chain: a writer takes the chain's transaction-level advisory lock
// before it reads the head, so appends are serialised until commit, and a seq
// is the head's + 1 (no sequence: a rolled-back write leaves no gap). Rows are
// hashed exactly as the SQLite adapter hashes them (domain/audit-chain.ts).

import { GENESIS, rowHash, storableEvent, type ChainRow, type ChainVerdict } from '../../domain/audit-chain.js';
import type { ChainHead, ChainLink, LinkedEvent } from '../../domain/audit-anchor.js';
import { JitError } from '../../domain/errors.js';
import { laneOf, type Notification } from '../../domain/notification.js';
import type { AuditEvent, SystemEvent } from '../../domain/types.js';
import { requestIdOf } from '../../ports/notifier.js';
import { inTransaction, run, storableText, type PgPool, type PoolClient } from './pool.js';
import { SQL } from './statements.js';

/** An event as the log stores it: a request's, or (requestId null) one of the bot itself. */
export type LoggedEvent = AuditEvent | (SystemEvent & { requestId: null });

/** The advisory lock namespace of the chain head (the request lock's, lock.ts, + 1); the key is the schema's name, hashed: one chain per schema. */
const CHAIN_LOCK = 0x6a69_7403;
const PAGE_ROWS = 1000;

export const CHAIN_COLUMNS = 'seq, request_id AS "requestId", name, actor, at, detail, prev_hash AS "prevHash", hash';

/**
 * Appends the events to the chain and queues the notifications, inside the
 * caller's transaction. Outbox rows are written under the chain lock too, so
 * their ids follow commit order: a worker never sees a queue's later row
 * before an earlier one commits.
 */
export async function writeSideEffects(client: PoolClient, events: readonly LoggedEvent[], notifications: readonly Notification[], now: number): Promise<void> {
  if (events.length > 0 || notifications.length > 0) {
    await run(client, 'SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))', [CHAIN_LOCK]);
  }
  if (events.length > 0) {
    const { rows } = await run<{ seq: number; hash: string | null }>(client, 'SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
    let seq = rows[0]?.seq ?? 0;
    let previous = rows[0]?.hash ?? GENESIS;
    for (const event of events) {
      const row = { seq: ++seq, ...chainFields(event) };
      const hash = rowHash(row, previous);
      await run(client, 'INSERT INTO audit_events (seq, request_id, name, actor, at, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
        row.seq,
        row.requestId,
        row.name,
        row.actor,
        row.at,
        row.detail,
        previous,
        hash,
      ]);
      previous = hash;
    }
  }
  for (const notification of notifications) {
    await run(client, SQL.insertOutbox, [requestIdOf(notification) ?? null, laneOf(notification), JSON.stringify(notification), now]);
  }
}

/**
 * The columns of an event, as they will read back: text made storable
 * (storableEvent, then what PostgreSQL cannot keep), so what is hashed is what
 * is stored. A value PostgreSQL would convert (a number into a text column,
 * digits into a BIGINT) is refused, as SQLite's STRICT tables refuse it: the
 * hash over the caller's value would never match the value read back.
 */
function chainFields(event: LoggedEvent): Omit<ChainRow, 'seq' | 'prevHash' | 'hash'> {
  const stored = storableEvent(event);
  const fields = { requestId: stored.requestId, name: stored.name, actor: stored.actor, at: stored.at, detail: stored.detail ?? null };
  for (const [key, value] of Object.entries(fields)) {
    const nullable = key === 'requestId' || key === 'detail';
    const ok = key === 'at' ? Number.isSafeInteger(value) : typeof value === 'string' || (value === null && nullable);
    if (!ok) throw new JitError('jit_store_failed', `audit event field ${key} cannot be stored: ${String(value)}`);
  }
  const text = (value: string | null) => (value === null ? null : storableText(value));
  return { ...fields, requestId: text(fields.requestId), name: storableText(fields.name), actor: storableText(fields.actor), detail: text(fields.detail) };
}

/**
 * Walks the chain in seq order, a page at a time in one snapshot (REPEATABLE
 * READ), and names the first row that does not fit: the verdict of
 * domain/audit-chain.ts's verifyChain, which only walks a synchronous iterable.
 */
export async function verifyChainPaged(pool: PgPool): Promise<ChainVerdict> {
  return inTransaction(
    pool,
    async (client) => {
      let previous = GENESIS;
      let count = 0;
      let after: number | null = null;
      for (;;) {
        const { rows }: { rows: ChainRow[] } = await run<ChainRow>(
          client,
          `SELECT ${CHAIN_COLUMNS} FROM audit_events WHERE $1::bigint IS NULL OR seq > $1 ORDER BY seq LIMIT ${PAGE_ROWS}`,
          [after],
        );
        for (const row of rows) {
          count++;
          if (row.prevHash !== previous) return { ok: false, rows: count, seq: row.seq, problem: 'deleted_or_reordered_before' };
          if (row.hash !== rowHash(row, previous)) return { ok: false, rows: count, seq: row.seq, problem: 'edited' };
          previous = row.hash;
        }
        if (rows.length < PAGE_ROWS) return { ok: true, rows: count, head: previous };
        after = rows.at(-1)!.seq;
      }
    },
    'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
  );
}

/** Every row's (seq, hash), oldest first: what `jit audit verify --against-slack` compares with the audit channel. */
export async function chainLinks(pool: PgPool): Promise<ChainLink[]> {
  const { rows } = await run<ChainLink>(pool, 'SELECT seq, hash FROM audit_events WHERE hash IS NOT NULL ORDER BY seq');
  return rows.map((row) => ({ seq: Number(row.seq), hash: row.hash }));
}

/** The newest row's seq, hash and name; undefined when the log is empty. */
export async function chainHead(pool: PgPool): Promise<ChainHead | undefined> {
  const { rows } = await run<ChainHead>(pool, 'SELECT seq, hash, name FROM audit_events WHERE hash IS NOT NULL ORDER BY seq DESC LIMIT 1');
  const row = rows[0];
  return row === undefined ? undefined : { seq: Number(row.seq), hash: row.hash, name: row.name };
}

/** The (seq, hash) of the newest row that holds `event` as written; undefined when none does. */
export async function chainLinkOf(pool: PgPool, event: LinkedEvent): Promise<ChainLink | undefined> {
  const fields = chainFields({ ...event, requestId: event.requestId ?? null } as LoggedEvent);
  // `= $1` and `IS NULL` (not IS NOT DISTINCT FROM): both can use the (request_id, seq) index.
  const request = fields.requestId === null ? 'request_id IS NULL' : 'request_id = $5';
  const { rows } = await run<ChainLink>(
    pool,
    `SELECT seq, hash FROM audit_events
      WHERE ${request} AND name = $1 AND actor = $2 AND at = $3 AND detail IS NOT DISTINCT FROM $4 AND hash IS NOT NULL
      ORDER BY seq DESC LIMIT 1`,
    [fields.name, fields.actor, fields.at, fields.detail, ...(fields.requestId === null ? [] : [fields.requestId])],
  );
  const row = rows[0];
  return row === undefined ? undefined : { seq: Number(row.seq), hash: row.hash };
}
