// Every SQL statement the store runs, prepared once per connection.

import type { Database } from 'better-sqlite3';
import type { AuditEvent, RequestState, SystemEvent } from '../domain/types.js';
import type { MessageRef, PostRecord } from '../ports/notifier.js';
import type { ChainRow } from '../domain/audit-chain.js';
import type { OutboxDbRow } from './rows.js';

/** A row of `requests`: `data` is the whole request, the other columns indexed copies of its fields. */
export interface RequestColumns {
  id: string;
  state: RequestState;
  version: number;
  requester: string;
  vm: string;
  created_at: number;
  end_at: number | null;
  data: string;
}

/** A compare-and-swap of a request row: the columns it becomes, and the state and version it must still have. */
export type SwapColumns = RequestColumns & { expected_state: RequestState; expected_version: number };

type Nullable<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: Exclude<T[P], undefined> | null };
export type AuditRow = Nullable<AuditEvent, 'detail'>;
/** What `audit_events` holds: a request's event, or (requestId NULL) one of the bot itself. */
export type EventRow = { requestId: string | null; name: string; actor: string; at: number; detail: string | null };
export type SystemRow = Nullable<SystemEvent, 'detail'>;
export type PostDbRow = Nullable<PostRecord, 'ts'>;
export type DataRow = { data: string };

/**
 * The statements every write runs take their values by position (each of
 * them binds several times a transition; a named parameter costs a property
 * lookup by name each time): the tuple types say what goes where.
 */
export type InsertRequestArgs = [
  id: string,
  state: RequestState,
  version: number,
  requester: string,
  vm: string,
  createdAt: number,
  endAt: number | null,
  data: string,
];
export type SwapArgs = [
  state: RequestState,
  endAt: number | null,
  data: string,
  id: string,
  expectedState: RequestState,
  expectedVersion: number,
  requester: string,
  vm: string,
  createdAt: number,
];
export type InsertEventArgs = [
  seq: number,
  requestId: string | null,
  name: string,
  actor: string,
  at: number,
  detail: string | null,
  prevHash: string,
  hash: string,
];
export type InsertOutboxArgs = [requestId: string | null, lane: string, notification: string, createdAt: number];

export function prepareStatements(db: Database) {
  const event = 'request_id AS requestId, name, actor, at, detail';
  return {
    // DO NOTHING rather than catching the constraint error: a duplicate id is an
    // expected outcome (random ids collide), not an exception from SQLite.
    insertRequest: db.prepare<InsertRequestArgs>(
      `INSERT INTO requests (id, state, version, requester, vm, created_at, end_at, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO NOTHING`,
    ),
    // The compare-and-swap when `next` keeps the row's requester, vm and
    // created_at (every transition the workflow makes): those columns, and the
    // index on two of them, are left as they are, so the commit writes fewer
    // pages. No change: the row moved on, or one of them differs (then
    // `transitionRewriting`, in the same transaction, tells which).
    transition: db.prepare<SwapArgs>(
      `UPDATE requests SET state = ?, version = version + 1, end_at = ?, data = ?
        WHERE id = ? AND state = ? AND version = ? AND requester = ? AND vm = ? AND created_at = ?`,
    ),
    // Every indexed copy is rewritten from `next`, so no column can disagree with `data`.
    transitionRewriting: db.prepare<[SwapColumns]>(
      `UPDATE requests
          SET state = @state, version = version + 1, requester = @requester, vm = @vm,
              created_at = @created_at, end_at = @end_at, data = @data
        WHERE id = @id AND state = @expected_state AND version = @expected_version`,
    ),
    getRequest: db.prepare<[string], DataRow>('SELECT data FROM requests WHERE id = ?'),
    // Most overdue first. An active row without an end time is a bug elsewhere;
    // it is returned too, because a grant that nobody closes is the unsafe outcome.
    dueForClose: db.prepare<[number], DataRow>(
      `SELECT data, end_at, id FROM requests WHERE state = 'active' AND (end_at <= ? OR end_at IS NULL)
       UNION ALL
       SELECT data, end_at, id FROM requests WHERE state = 'closing'
       ORDER BY end_at, id`,
    ),
    // requestId NULL: an event of the bot itself (drift). Written whole, link and
    // hash included, at the seq the chain's head says comes next.
    insertEvent: db.prepare<InsertEventArgs>(
      'INSERT INTO audit_events (seq, request_id, name, actor, at, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    // The chain's head: the seq AUTOINCREMENT would give next, less one (the
    // highest ever used, so a deleted last row's seq is not used again), and the
    // last row's hash (NULL when there is no row, or it predates the chain).
    chainHead: db.prepare<[], { seq: number; hash: string | null }>(
      `SELECT max(ifnull((SELECT seq FROM sqlite_sequence WHERE name = 'audit_events'), 0),
                  ifnull((SELECT max(seq) FROM audit_events), 0)) AS seq,
              (SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1) AS hash`,
    ),
    // Changes whenever another connection (another process: the CLI beside the
    // bot) has committed since this one last looked; its own commits leave it.
    dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
    chainRows: db.prepare<[], ChainRow>(
      'SELECT seq, request_id AS requestId, name, actor, at, detail, prev_hash AS prevHash, hash FROM audit_events ORDER BY seq',
    ),
    chainLinks: db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit_events WHERE hash IS NOT NULL ORDER BY seq'),
    // The row an outbox notification reports, found by its fields (the newest, should two be alike).
    linkOf: db.prepare<[string | null, string, string, number, string | null], { seq: number; hash: string }>(
      'SELECT seq, hash FROM audit_events WHERE request_id IS ? AND name = ? AND actor = ? AND at = ? AND detail IS ? AND hash IS NOT NULL ORDER BY seq DESC LIMIT 1',
    ),
    chainHeadRow: db.prepare<[], { seq: number; hash: string; name: string }>(
      'SELECT seq, hash, name FROM audit_events WHERE hash IS NOT NULL ORDER BY seq DESC LIMIT 1',
    ),
    allEvents: db.prepare<[], AuditRow>(`SELECT ${event} FROM audit_events WHERE request_id IS NOT NULL ORDER BY seq`),
    systemEvents: db.prepare<[], SystemRow>('SELECT name, actor, at, detail FROM audit_events WHERE request_id IS NULL ORDER BY seq'),
    eventsOf: db.prepare<[string], AuditRow>(`SELECT ${event} FROM audit_events WHERE request_id = ? ORDER BY seq`),
    // Request events and the bot's own (request_id NULL) alike: the export shows both.
    eventsSince: db.prepare<[number], EventRow>(`SELECT ${event} FROM audit_events WHERE at >= ? ORDER BY seq`),
    // lane and created_at: schema 7 (a queue is a request's rows of one lane).
    insertOutbox: db.prepare<InsertOutboxArgs>('INSERT INTO outbox (request_id, lane, notification, created_at) VALUES (?, ?, ?, ?)'),
    outboxStats: db.prepare<[], { pending: number; oldestAt: number | null }>(
      'SELECT count(*) AS pending, min(created_at) AS oldestAt FROM outbox WHERE delivered_at IS NULL',
    ),
    pendingOutbox: db.prepare<[number], OutboxDbRow>(
      `SELECT id, request_id AS requestId, notification, attempts, next_attempt_at AS nextAttemptAt,
              last_error AS lastError
         FROM outbox WHERE delivered_at IS NULL ORDER BY id LIMIT ?`,
    ),
    // Both end the row's claim (schema 6): the worker is done with it.
    markDelivered: db.prepare<[{ id: number; now: number }]>(
      'UPDATE outbox SET delivered_at = @now, claimed_by = NULL, claimed_until = NULL WHERE id = @id AND delivered_at IS NULL',
    ),
    markRetry: db.prepare<[{ id: number; error: string; next: number }]>(
      `UPDATE outbox SET attempts = attempts + 1, last_error = @error, next_attempt_at = @next, claimed_by = NULL, claimed_until = NULL
        WHERE id = @id AND delivered_at IS NULL`,
    ),
    outboxExists: db.prepare<[number], { id: number }>('SELECT id FROM outbox WHERE id = ?'),
    // Upsert: a message posted again (say, the first was deleted) replaces the old ts.
    upsertRef: db.prepare<[MessageRef]>(
      `INSERT INTO message_refs (request_id, role, channel, ts) VALUES (@requestId, @role, @channel, @ts)
       ON CONFLICT (request_id, role, channel) DO UPDATE SET ts = excluded.ts`,
    ),
    // A claim keeps the first claim's time (where a lookup must start) and never
    // touches a recorded ts; a record always wins.
    claimPost: db.prepare<[{ id: number; step: string; channel: string; at: number }]>(
      `INSERT INTO outbox_posts (outbox_id, step, channel, claimed_at) VALUES (@id, @step, @channel, @at)
       ON CONFLICT (outbox_id, step) DO UPDATE SET channel = excluded.channel WHERE ts IS NULL`,
    ),
    recordPost: db.prepare<[{ id: number; step: string; channel: string; ts: string; at: number }]>(
      `INSERT INTO outbox_posts (outbox_id, step, channel, claimed_at, ts) VALUES (@id, @step, @channel, @at, @ts)
       ON CONFLICT (outbox_id, step) DO UPDATE SET channel = excluded.channel, ts = excluded.ts`,
    ),
    postsOf: db.prepare<[number], PostDbRow>('SELECT step, channel, claimed_at AS claimedAt, ts FROM outbox_posts WHERE outbox_id = ? ORDER BY rowid'),
    refsOf: db.prepare<[string], MessageRef>('SELECT request_id AS requestId, role, channel, ts FROM message_refs WHERE request_id = ? ORDER BY rowid'),
    ping: db.prepare<[], { ok: number }>('SELECT 1 AS ok'),
    // DO NOTHING: a used nonce is an expected outcome (a second click), not an error.
    insertSourceLink: db.prepare<[{ nonce: string; user: string; address: string; at: number }]>(
      'INSERT INTO source_links (nonce, user, address, used_at) VALUES (@nonce, @user, @address, @at) ON CONFLICT (nonce) DO NOTHING',
    ),
    recentSource: db.prepare<[string, number], { address: string }>(
      'SELECT address FROM source_links WHERE user = ? AND used_at >= ? ORDER BY used_at DESC, rowid DESC LIMIT 1',
    ),
  };
}
