// Schema version 8: the event stream's cursors and dead letters (the same
// version exists for PostgreSQL, store/postgres/migrations/). The audit log is
// the stream's outbox: each sink keeps only where it stands in the chain.
//
// - `stream_cursors`: per sink, the last seq delivered (or dead-lettered), the
//   failed attempts at the next event and when to try it again (backoff
//   survives a restart), and the current streak of dead letters.
// - `stream_dead_letters`: the events a sink gave up on, for replay.

import type { Database } from 'better-sqlite3';

export function migration0008EventStream(db: Database): void {
  db.exec(`
    CREATE TABLE stream_cursors (
      sink TEXT PRIMARY KEY,
      seq INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      dead_streak INTEGER NOT NULL DEFAULT 0
    ) STRICT;

    CREATE TABLE stream_dead_letters (
      sink TEXT NOT NULL,
      seq INTEGER NOT NULL,
      attempts INTEGER NOT NULL,
      last_error TEXT NOT NULL,
      at INTEGER NOT NULL,
      PRIMARY KEY (sink, seq)
    ) STRICT;
  `);
}
