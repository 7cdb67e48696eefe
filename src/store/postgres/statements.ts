// Every SQL statement of the PostgreSQL store, beside what SQLite runs for the
// same call (store/statements.ts, replica-statements.ts, overlay-statements.ts).
// Text is ordered with COLLATE "C" (bytewise, as SQLite's BINARY) and NULL
// first where SQLite puts it first; aliases are quoted to keep their case.

import type { AccessRequest } from '../../domain/types.js';

/** The columns of `requests`, in the order of INSERT_REQUEST's parameters: `data` is the whole request, the rest copies of its fields. */
export function requestValues(request: AccessRequest): unknown[] {
  const { batchId, extends: extended } = request as { batchId?: unknown; extends?: unknown };
  return [
    request.id,
    request.state,
    request.version,
    request.requester,
    request.vm,
    request.createdAt,
    request.endAt ?? null,
    batchId ?? null,
    extended ?? null,
    JSON.stringify(request),
  ];
}

const OUTBOX_COLUMNS = 'id, request_id AS "requestId", notification, attempts, next_attempt_at AS "nextAttemptAt", last_error AS "lastError"';
const EVENT_COLUMNS = 'request_id AS "requestId", name, actor, at, detail';

export const SQL = {
  // DO NOTHING: a duplicate id is an expected outcome (random ids collide), not an exception.
  insertRequest: `INSERT INTO requests (id, state, version, requester, vm, created_at, end_at, batch_id, extends_id, data)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
  // The compare-and-swap ($3 is expected.version + 1): under READ COMMITTED a concurrent writer's row is
  // re-checked once it commits, and this UPDATE then matches no row.
  transition: `UPDATE requests
      SET state = $2, version = $3, requester = $4, vm = $5, created_at = $6, end_at = $7,
          batch_id = $8, extends_id = $9, data = $10
    WHERE id = $1 AND state = $11 AND version = $12`,
  getRequest: 'SELECT data FROM requests WHERE id = $1',
  // Most overdue first; an active row without an end time first of all (a grant nobody closes is the unsafe outcome).
  dueForClose: `SELECT data FROM requests
    WHERE (state = 'active' AND (end_at <= $1 OR end_at IS NULL)) OR state = 'closing'
    ORDER BY end_at NULLS FIRST, id COLLATE "C"`,
  activeEnds: `SELECT id, state, end_at AS "endAt", data::json->>'kind' AS kind, extends_id AS extends,
      data::json->>'startAt' AS "startAt",
      data::json->>'expiryWarnedFor' AS "expiryWarnedFor"
    FROM requests WHERE state = 'active' AND end_at <= $1 ORDER BY end_at, id COLLATE "C"`,
  // A batch counts once (its leader's id is its batchId); extension requests not at all.
  requestTimesSince: `SELECT created_at AS at FROM requests
    WHERE requester = $1 AND created_at >= $2 AND extends_id IS NULL AND coalesce(batch_id, id) = id
    ORDER BY created_at`,

  allEvents: `SELECT ${EVENT_COLUMNS} FROM audit_events WHERE request_id IS NOT NULL ORDER BY seq`,
  eventsOf: `SELECT ${EVENT_COLUMNS} FROM audit_events WHERE request_id = $1 ORDER BY seq`,
  systemEvents: 'SELECT name, actor, at, detail FROM audit_events WHERE request_id IS NULL ORDER BY seq',
  eventsSince: `SELECT ${EVENT_COLUMNS} FROM audit_events WHERE at >= $1 ORDER BY seq`,

  pendingOutbox: `SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE delivered_at IS NULL ORDER BY id LIMIT $1`,
  // lane and created_at: schema 7.
  insertOutbox: 'INSERT INTO outbox (request_id, lane, notification, created_at) VALUES ($1, $2, $3, $4)',
  outboxStats: 'SELECT count(*)::bigint AS pending, min(created_at) AS "oldestAt" FROM outbox WHERE delivered_at IS NULL',
  // The head of each queue (a request's rows of one lane; NULL request: the
  // bot's own, one group) is its lowest undelivered id, found in one pass over
  // the undelivered rows. A row without a lane (written by a build before schema
  // 7, one group per request) orders against every lane of its request: a laned
  // row passes no earlier one (barrier), and it waits for every row before it
  // (request_head). Only a head that is due and free (unclaimed, this worker's,
  // or its lease run out) is claimed. FOR UPDATE SKIP LOCKED leaves a head
  // another worker is claiming to it, and the UPDATE re-checks the claim on the
  // row as committed, so no row goes to two workers with overlapping leases.
  claimOutbox: `WITH queues AS (
      SELECT id, lane,
             min(id) OVER (PARTITION BY request_id, lane) AS lane_head,
             min(id) OVER (PARTITION BY request_id) AS request_head,
             min(id) FILTER (WHERE lane IS NULL) OVER (PARTITION BY request_id) AS barrier
        FROM outbox WHERE delivered_at IS NULL),
    heads AS (
      SELECT id FROM queues
       WHERE id = lane_head AND (barrier IS NULL OR id <= barrier) AND (lane IS NOT NULL OR id = request_head)),
    free AS (
      SELECT o.id FROM outbox o JOIN heads ON heads.id = o.id
       WHERE o.delivered_at IS NULL AND o.next_attempt_at <= $2
         AND (o.claimed_by IS NULL OR o.claimed_by = $1 OR o.claimed_until <= $2)
       ORDER BY o.id LIMIT $4
       FOR UPDATE OF o SKIP LOCKED)
    UPDATE outbox u SET claimed_by = $1, claimed_until = $2 + $3::bigint
      FROM free
     WHERE u.id = free.id AND u.delivered_at IS NULL
       AND (u.claimed_by IS NULL OR u.claimed_by = $1 OR u.claimed_until <= $2)
    RETURNING u.id, u.request_id AS "requestId", u.notification, u.attempts, u.next_attempt_at AS "nextAttemptAt", u.last_error AS "lastError"`,
  // Both end the row's claim: the worker is done with it. Delivered rows are skipped (a late duplicate worker).
  markDelivered: 'UPDATE outbox SET delivered_at = $2, claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND delivered_at IS NULL',
  markRetry: `UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3, claimed_by = NULL, claimed_until = NULL
    WHERE id = $1 AND delivered_at IS NULL`,
  outboxExists: 'SELECT id FROM outbox WHERE id = $1',
  // Upsert: a message posted again replaces the old ts, keeping its place (pos).
  upsertRef: `INSERT INTO message_refs (request_id, role, channel, ts) VALUES ($1, $2, $3, $4)
    ON CONFLICT (request_id, role, channel) DO UPDATE SET ts = excluded.ts`,
  refsOf: 'SELECT request_id AS "requestId", role, channel, ts FROM message_refs WHERE request_id = $1 ORDER BY pos',
  // A claim keeps the first claim's time and never touches a recorded ts; a record always wins.
  claimPost: `INSERT INTO outbox_posts (outbox_id, step, channel, claimed_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (outbox_id, step) DO UPDATE SET channel = excluded.channel WHERE outbox_posts.ts IS NULL`,
  recordPost: `INSERT INTO outbox_posts (outbox_id, step, channel, claimed_at, ts) VALUES ($1, $2, $3, $5, $4)
    ON CONFLICT (outbox_id, step) DO UPDATE SET channel = excluded.channel, ts = excluded.ts`,
  postsOf: 'SELECT step, channel, claimed_at AS "claimedAt", ts FROM outbox_posts WHERE outbox_id = $1 ORDER BY pos',

  // DO NOTHING: a used nonce is an expected outcome (a second click), not an error.
  insertSourceLink: 'INSERT INTO source_links (nonce, "user", address, used_at) VALUES ($1, $2, $3, $4) ON CONFLICT (nonce) DO NOTHING',
  recentSource: 'SELECT address FROM source_links WHERE "user" = $1 AND used_at >= $2 ORDER BY used_at DESC, pos DESC LIMIT 1',

  // Upsert on the name ignoring case keeps the row (and its place) when a VM is edited again.
  saveOverlay: `INSERT INTO policy_overlay (name, vm, updated_by, updated_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT ((lower(name))) DO UPDATE SET name = excluded.name, vm = excluded.vm, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
  overlayVms: 'SELECT name, vm, updated_by AS "updatedBy", updated_at AS "updatedAt" FROM policy_overlay ORDER BY pos',
  retireOverlay: 'DELETE FROM policy_overlay WHERE lower(name) = lower($1)',

  // The lease row is always written (a no-op update when another holder keeps it),
  // so one statement both takes it when free and reads it as it stands.
  acquireLease: `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3 + $4::bigint)
    ON CONFLICT (name) DO UPDATE SET
      holder = CASE WHEN leases.holder = excluded.holder OR leases.expires_at <= $3 THEN excluded.holder ELSE leases.holder END,
      expires_at = CASE WHEN leases.holder = excluded.holder OR leases.expires_at <= $3 THEN excluded.expires_at ELSE leases.expires_at END
    RETURNING name, holder, expires_at AS "expiresAt"`,
  releaseLease: 'DELETE FROM leases WHERE name = $1 AND holder = $2',
  currentLease: 'SELECT name, holder, expires_at AS "expiresAt" FROM leases WHERE name = $1 AND expires_at > $2',
} as const;
