// Schema version 1. A migration is frozen once released: later changes go in a
// new numbered file, never here, because databases in the field already ran it.

import type { Database } from 'better-sqlite3';

export function migration0001Initial(db: Database): void {
  // STRICT: a wrong type from a caller fails loudly instead of being stored as
  // text and silently never matching `end_at <= ?`.
  // The state and role lists are copies, not imports: this file must keep
  // describing version 1 even if the domain's lists change later.
  db.exec(`
    CREATE TABLE requests (
      id TEXT PRIMARY KEY,
      state TEXT NOT NULL CHECK (state IN (
        'pending', 'approved', 'active', 'closing', 'closed',
        'denied', 'cancelled', 'timed_out', 'failed')),
      version INTEGER NOT NULL,
      requester TEXT NOT NULL,
      vm TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      end_at INTEGER,
      -- The whole AccessRequest; the columns above are copies kept for indexing.
      data TEXT NOT NULL CHECK (json_valid(data))
    ) STRICT;

    -- dueForClose: active rows by end time, and the closing rows.
    CREATE INDEX requests_state_end_at ON requests (state, end_at);
    -- "/jit list": a requester's open requests.
    CREATE INDEX requests_requester_state ON requests (requester, state);

    CREATE TABLE audit_events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      request_id TEXT NOT NULL REFERENCES requests (id),
      name TEXT NOT NULL,
      actor TEXT NOT NULL,
      at INTEGER NOT NULL,
      detail TEXT
    ) STRICT;

    CREATE INDEX audit_events_request ON audit_events (request_id, seq);

    CREATE TABLE outbox (
      -- AUTOINCREMENT: ids never reused, so "id order" is also write order.
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      request_id TEXT NOT NULL REFERENCES requests (id),
      notification TEXT NOT NULL CHECK (json_valid(notification)),
      attempts INTEGER NOT NULL DEFAULT 0,
      -- 0 = due at once; the store never reads the clock to fill it.
      next_attempt_at INTEGER NOT NULL DEFAULT 0,
      delivered_at INTEGER,
      last_error TEXT
    ) STRICT;

    -- The worker only ever scans undelivered rows; delivered ones pile up forever.
    CREATE INDEX outbox_undelivered ON outbox (id) WHERE delivered_at IS NULL;

    CREATE TABLE message_refs (
      request_id TEXT NOT NULL REFERENCES requests (id),
      role TEXT NOT NULL CHECK (role IN ('audit', 'approval')),
      channel TEXT NOT NULL,
      ts TEXT NOT NULL,
      PRIMARY KEY (request_id, role, channel)
    ) STRICT;
  `);
}
