// The statements behind schema 6 (several replicas on one database): outbox
// claims (by lane since schema 7), leases, and the reads the overdue watch and
// the rate limit make. Prepared once per connection.

import type { Database } from 'better-sqlite3';
import type { ActiveEndRow, Lease } from '../ports/store.js';
import type { OutboxDbRow } from './rows.js';

export function prepareReplicaStatements(db: Database) {
  // The head of each queue (a request's rows of one lane; NULL request: the
  // bot's own rows) is its lowest undelivered id; only a head that is due and
  // free (unclaimed, this worker's, or its lease run out) is claimed. A row
  // without a lane (written by a build before schema 7) orders against every
  // lane of its request: nothing passes it, and it waits for every row before
  // it. Each test is one probe of an index. IMMEDIATE transactions make the
  // read and the claim one step for every process on the file.
  const earlier = 'FROM outbox h WHERE h.delivered_at IS NULL AND h.request_id IS o.request_id AND h.id < o.id';
  const heads = db.prepare<[{ worker: string; now: number; limit: number }], { id: number }>(
    `SELECT o.id FROM outbox o
      WHERE o.delivered_at IS NULL
        AND o.next_attempt_at <= @now
        AND (o.claimed_by IS NULL OR o.claimed_by = @worker OR o.claimed_until <= @now)
        AND NOT EXISTS (SELECT 1 ${earlier} AND h.lane IS o.lane)
        AND NOT EXISTS (SELECT 1 ${earlier} AND h.lane IS NULL)
        AND (o.lane IS NOT NULL OR NOT EXISTS (SELECT 1 ${earlier}))
      ORDER BY o.id LIMIT @limit`,
  );
  const claim = db.prepare<[{ id: number; worker: string; until: number }], OutboxDbRow>(
    `UPDATE outbox SET claimed_by = @worker, claimed_until = @until WHERE id = @id
     RETURNING id, request_id AS requestId, notification, attempts, next_attempt_at AS nextAttemptAt, last_error AS lastError`,
  );
  const claimTx = db.transaction((worker: string, now: number, leaseMs: number, limit: number): OutboxDbRow[] =>
    heads.all({ worker, now, limit }).map(({ id }) => claim.get({ id, worker, until: now + leaseMs })!),
  ).immediate;

  const takeLease = db.prepare<[{ name: string; holder: string; now: number; until: number }]>(
    `INSERT INTO leases (name, holder, expires_at) VALUES (@name, @holder, @until)
     ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
      WHERE leases.holder = excluded.holder OR leases.expires_at <= @now`,
  );
  const readLease = db.prepare<[string], Lease>('SELECT name, holder, expires_at AS expiresAt FROM leases WHERE name = ?');
  const acquireTx = db.transaction((name: string, holder: string, now: number, ttlMs: number): Lease => {
    takeLease.run({ name, holder, now, until: now + ttlMs });
    return readLease.get(name)!;
  }).immediate;
  const releaseLease = db.prepare<[string, string]>('DELETE FROM leases WHERE name = ? AND holder = ?');

  return {
    claimOutbox: claimTx,
    acquireLease: acquireTx,
    releaseLease: (name: string, holder: string) => releaseLease.run(name, holder),
    currentLease: (name: string, now: number): Lease | undefined => {
      const lease = readLease.get(name);
      return lease !== undefined && lease.expiresAt > now ? lease : undefined;
    },
    activeEnds: db.prepare<[number], ActiveEndRow>(
      `SELECT id, state, end_at AS endAt, json_extract(data, '$.kind') AS kind, json_extract(data, '$.extends') AS extends, json_extract(data, '$.startAt') AS startAt,
              json_extract(data, '$.expiryWarnedFor') AS expiryWarnedFor
       FROM requests WHERE state = 'active' AND end_at <= ? ORDER BY end_at, id`,
    ),
    // A batch counts once (its leader's id is its batchId); extension requests not at all.
    requestTimesSince: db.prepare<[string, number], { at: number }>(
      `SELECT created_at AS at FROM requests
        WHERE requester = ? AND created_at >= ?
          AND json_extract(data, '$.extends') IS NULL
          AND coalesce(json_extract(data, '$.batchId'), id) = id
        ORDER BY created_at`,
    ),
  };
}
