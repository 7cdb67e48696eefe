// Schema version 7, PostgreSQL's form of store/migrations/0007-outbox-lanes.ts:
// one failing Slack destination no longer holds back the others of a request.
//
// - `outbox.lane`: the destination a row depends on (audit, approval,
//   requester); a queue is a request's rows of one lane. Undelivered rows get
//   theirs here, from their kind; delivered rows keep NULL. A replica of an
//   older build still running during a rolling upgrade writes NULL, and a
//   NULL lane orders against every lane of its request: the old order.
// - `outbox.created_at`: when the row was queued, for the backlog's age. New
//   builds write the store's clock; the default stamps an older replica's rows
//   (and rows pending now) with the server's.
// - An index on each lane's head.

import type { PoolClient } from 'pg';

export async function migration0007OutboxLanes(client: PoolClient): Promise<void> {
  await client.query(`
    ALTER TABLE outbox ADD COLUMN lane TEXT CHECK (lane IN ('audit', 'approval', 'requester'));
    ALTER TABLE outbox ADD COLUMN created_at BIGINT;
    ALTER TABLE outbox ALTER COLUMN created_at SET DEFAULT (extract(epoch FROM clock_timestamp()) * 1000)::bigint;

    UPDATE outbox SET
      lane = CASE
        WHEN notification::json->>'kind' = 'requester_dm' THEN 'requester'
        WHEN notification::json->>'kind' IN ('approval_request', 'approval_reminder') THEN 'approval'
        WHEN notification::json->>'kind' = 'approval_update'
          AND (notification::json #>> '{request,decision,effect}') IS DISTINCT FROM 'break_glass' THEN 'approval'
        ELSE 'audit'
      END,
      created_at = (extract(epoch FROM clock_timestamp()) * 1000)::bigint
    WHERE delivered_at IS NULL;

    CREATE INDEX outbox_queue_lane_head ON outbox (request_id, lane, id) WHERE delivered_at IS NULL;
  `);
}
