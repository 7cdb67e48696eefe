// Schema version 4. Two changes, both for "nothing lost, nothing twice":
//
// - `outbox_posts`: every Slack message an outbox row posts, claimed before the
//   post and given its ts right after, so a retry updates instead of re-posting.
// - `audit_events.request_id` and `outbox.request_id` may be NULL: drift that no
//   stored request explains (an orphan allow rule) is still audited and posted.
//   SQLite cannot drop a NOT NULL constraint in place, so both tables are rebuilt
//   with every row (and every hash of the audit chain) copied unchanged.

import type { Database } from 'better-sqlite3';

export function migration0004OutboxPostsAndSystemEvents(db: Database): void {
  // AUTOINCREMENT counters live in sqlite_sequence and go with the dropped table;
  // carried over so an id is never reused, even one whose row was never kept.
  const sequence = db.prepare<[string], { seq: number }>('SELECT seq FROM sqlite_sequence WHERE name = ?');
  const auditSeq = sequence.get('audit_events')?.seq;
  const outboxSeq = sequence.get('outbox')?.seq;

  db.exec(`
    CREATE TABLE audit_events_v4 (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      -- NULL: an event of the bot itself (drift), tied to no request.
      request_id TEXT REFERENCES requests (id),
      name TEXT NOT NULL,
      actor TEXT NOT NULL,
      at INTEGER NOT NULL,
      detail TEXT,
      prev_hash TEXT,
      hash TEXT
    ) STRICT;
    INSERT INTO audit_events_v4 (seq, request_id, name, actor, at, detail, prev_hash, hash)
      SELECT seq, request_id, name, actor, at, detail, prev_hash, hash FROM audit_events ORDER BY seq;
    DROP TABLE audit_events;
    ALTER TABLE audit_events_v4 RENAME TO audit_events;
    CREATE INDEX audit_events_request ON audit_events (request_id, seq);

    CREATE TABLE outbox_v4 (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      -- NULL: a notification of the bot itself (drift).
      request_id TEXT REFERENCES requests (id),
      notification TEXT NOT NULL CHECK (json_valid(notification)),
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL DEFAULT 0,
      delivered_at INTEGER,
      last_error TEXT
    ) STRICT;
    INSERT INTO outbox_v4 (id, request_id, notification, attempts, next_attempt_at, delivered_at, last_error)
      SELECT id, request_id, notification, attempts, next_attempt_at, delivered_at, last_error FROM outbox ORDER BY id;
    DROP TABLE outbox;
    ALTER TABLE outbox_v4 RENAME TO outbox;
    CREATE INDEX outbox_undelivered ON outbox (id) WHERE delivered_at IS NULL;

    CREATE TABLE outbox_posts (
      outbox_id INTEGER NOT NULL REFERENCES outbox (id),
      -- Which message of the row: 'audit', 'dm', 'approval', 'reminder:<channel>:<ts>'…
      step TEXT NOT NULL,
      -- Where it was (to be) posted; a user id for a DM until Slack names the DM channel.
      channel TEXT NOT NULL,
      claimed_at INTEGER NOT NULL,
      -- NULL: claimed, and Slack's answer never recorded (a crash or a lost reply).
      ts TEXT,
      PRIMARY KEY (outbox_id, step)
    ) STRICT;
  `);

  const forget = db.prepare<[string]>('DELETE FROM sqlite_sequence WHERE name = ?');
  const remember = db.prepare<[string, number]>('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)');
  for (const [table, seq] of [
    ['audit_events', auditSeq],
    ['outbox', outboxSeq],
  ] as const) {
    if (seq === undefined) continue;
    forget.run(table);
    remember.run(table, seq);
  }
}
