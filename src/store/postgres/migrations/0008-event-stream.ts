// Schema version 8, PostgreSQL's form of store/migrations/0008-event-stream.ts:
// each sink's cursor into the audit chain (last seq delivered, attempts at the
// next event, when to retry, the streak of dead letters) and its dead letters.

import type { PoolClient } from 'pg';

export async function migration0008EventStream(client: PoolClient): Promise<void> {
  await client.query(`
    CREATE TABLE stream_cursors (
      sink TEXT PRIMARY KEY,
      seq BIGINT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at BIGINT NOT NULL DEFAULT 0,
      last_error TEXT,
      dead_streak INTEGER NOT NULL DEFAULT 0
    );

    CREATE TABLE stream_dead_letters (
      sink TEXT NOT NULL,
      seq BIGINT NOT NULL,
      attempts INTEGER NOT NULL,
      last_error TEXT NOT NULL,
      at BIGINT NOT NULL,
      PRIMARY KEY (sink, seq)
    );
  `);
}
