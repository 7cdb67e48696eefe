// Schema version 4, PostgreSQL's form of
// store/migrations/0004-outbox-posts-and-system-events.ts:
//
// - `outbox_posts`: every Slack message an outbox row posts, claimed before the
//   post and given its ts right after, so a retry updates instead of re-posting;
// - `audit_events.request_id` and `outbox.request_id` may be NULL: drift that no
//   stored request explains is still audited and posted. PostgreSQL drops a NOT
//   NULL in place, so no table is rebuilt and every hash stays as it was.

import type { PoolClient } from 'pg';

export async function migration0004OutboxPostsAndSystemEvents(client: PoolClient): Promise<void> {
  await client.query(`
    ALTER TABLE audit_events ALTER COLUMN request_id DROP NOT NULL;
    ALTER TABLE outbox ALTER COLUMN request_id DROP NOT NULL;

    CREATE TABLE outbox_posts (
      outbox_id BIGINT NOT NULL REFERENCES outbox (id),
      -- Which message of the row: 'audit', 'dm', 'approval', 'reminder:<channel>:<ts>'…
      step TEXT NOT NULL,
      channel TEXT NOT NULL,
      claimed_at BIGINT NOT NULL,
      -- NULL: claimed, and Slack's answer never recorded (a crash or a lost reply).
      ts TEXT,
      pos BIGINT GENERATED ALWAYS AS IDENTITY,
      PRIMARY KEY (outbox_id, step)
    );
  `);
}
