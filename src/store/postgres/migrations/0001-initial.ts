// Schema version 1, PostgreSQL's form of store/migrations/0001-initial.ts. A
// migration is frozen once released: later changes go in a new numbered file.
//
// Beside SQLite's columns:
// - `pos`: insertion order, which SQLite reads from rowid (a batch lists in the
//   order it was asked for, message refs in the order first written);
// - `batch_id`, `extends_id`: copies of the request's fields, like `state` and
//   `requester`. The filters read them instead of the JSON, because PostgreSQL
//   refuses to extract a field from JSON text that escapes U+0000 or a lone
//   surrogate anywhere in it, and a justification may hold either.
// `audit_events.seq` has no sequence: the writer assigns max + 1 under the chain
// lock (audit.ts), so a rolled-back write leaves no gap, as SQLite's does not.
// `data` is TEXT (checked to be JSON), not jsonb: jsonb reorders keys and refuses
// U+0000, and getRequest must return exactly what was stored.

import type { PoolClient } from 'pg';

export async function migration0001Initial(client: PoolClient): Promise<void> {
  await client.query(`
    CREATE TABLE requests (
      id TEXT PRIMARY KEY,
      state TEXT NOT NULL CHECK (state IN (
        'pending', 'approved', 'active', 'closing', 'closed',
        'denied', 'cancelled', 'timed_out', 'failed')),
      version BIGINT NOT NULL,
      requester TEXT NOT NULL,
      vm TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      end_at BIGINT,
      batch_id TEXT,
      extends_id TEXT,
      data TEXT NOT NULL CHECK (data::json IS NOT NULL),
      pos BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
    );

    CREATE INDEX requests_state_end_at ON requests (state, end_at);
    CREATE INDEX requests_requester_state ON requests (requester, state);
    CREATE INDEX requests_batch_id ON requests (batch_id, pos) WHERE batch_id IS NOT NULL;
    CREATE INDEX requests_extends_id ON requests (extends_id) WHERE extends_id IS NOT NULL;

    CREATE TABLE audit_events (
      seq BIGINT PRIMARY KEY,
      request_id TEXT NOT NULL REFERENCES requests (id),
      name TEXT NOT NULL,
      actor TEXT NOT NULL,
      at BIGINT NOT NULL,
      detail TEXT
    );

    CREATE INDEX audit_events_request ON audit_events (request_id, seq);

    CREATE TABLE outbox (
      -- An identity: ids never reused, so "id order" is also write order.
      id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      request_id TEXT NOT NULL REFERENCES requests (id),
      notification TEXT NOT NULL CHECK (notification::json IS NOT NULL),
      attempts BIGINT NOT NULL DEFAULT 0,
      next_attempt_at BIGINT NOT NULL DEFAULT 0,
      delivered_at BIGINT,
      last_error TEXT
    );

    CREATE INDEX outbox_undelivered ON outbox (id) WHERE delivered_at IS NULL;

    CREATE TABLE message_refs (
      request_id TEXT NOT NULL REFERENCES requests (id),
      role TEXT NOT NULL CHECK (role IN ('audit', 'approval')),
      channel TEXT NOT NULL,
      ts TEXT NOT NULL,
      pos BIGINT GENERATED ALWAYS AS IDENTITY,
      PRIMARY KEY (request_id, role, channel)
    );
  `);
}
