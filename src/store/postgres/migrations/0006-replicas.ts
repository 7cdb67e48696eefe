// Schema version 6, PostgreSQL's form of store/migrations/0006-replicas.ts:
// what several replicas on one database need.
//
// - `outbox.claimed_by` / `claimed_until`: a worker claims a row for a lease
//   before it delivers it; a claim whose lease ran out is taken over.
// - `leases`: which replica runs the jobs only one may run, until when.
// - The rate limit's index; and the head of each outbox queue (its lowest
//   undelivered id), which every claim looks up.

import type { PoolClient } from 'pg';

export async function migration0006Replicas(client: PoolClient): Promise<void> {
  await client.query(`
    ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
    ALTER TABLE outbox ADD COLUMN claimed_until BIGINT;

    CREATE TABLE leases (
      name TEXT PRIMARY KEY,
      holder TEXT NOT NULL,
      expires_at BIGINT NOT NULL
    );

    CREATE INDEX requests_requester_created_at ON requests (requester, created_at);
    CREATE INDEX outbox_queue_head ON outbox (request_id, id) WHERE delivered_at IS NULL;
  `);
}
