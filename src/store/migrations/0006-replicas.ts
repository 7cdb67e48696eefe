// Schema version 6: what several replicas on one database need (the same
// version exists for PostgreSQL, store/postgres/migrations/).
//
// - `outbox.claimed_by` / `claimed_until`: a worker claims a row before it
//   delivers it, for a lease, so two replicas never deliver the same row; a
//   claim whose lease ran out (its replica died) is taken over.
// - `leases`: which replica runs the jobs only one may run (the sweep, the
//   overdue watch), until when.
// - An index for the rate limit, which counts a requester's recent requests in
//   the database, where every replica sees them.

import type { Database } from 'better-sqlite3';

export function migration0006Replicas(db: Database): void {
  db.exec(`
    ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
    ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;
    -- The head of each request's queue: its lowest undelivered id.
    CREATE INDEX outbox_undelivered_queue ON outbox (request_id, id) WHERE delivered_at IS NULL;

    CREATE TABLE leases (
      name TEXT PRIMARY KEY,
      holder TEXT NOT NULL,
      expires_at INTEGER NOT NULL
    ) STRICT;

    CREATE INDEX requests_requester_created_at ON requests (requester, created_at);
  `);
}
