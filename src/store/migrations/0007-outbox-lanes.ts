// Schema version 7: one failing Slack destination no longer holds back the
// others of the same request (the same version exists for PostgreSQL,
// store/postgres/migrations/).
//
// - `outbox.lane`: the destination a row depends on (domain/notification.ts
//   `laneOf`: audit, approval, requester). A queue is now a request's rows of
//   one lane. Undelivered rows get their lane here, from their kind, so a queue
//   stuck behind an audit post the bot may not make releases its DMs at once;
//   delivered rows keep NULL (no claim reads them). A row a build without
//   lanes writes (the CLI of an older version on the same file) has NULL too,
//   and a NULL lane orders against every lane of its request: the old order.
// - `outbox.created_at`: when the row was queued (epoch ms, the store's
//   clock), for the backlog's age; rows pending now are stamped with the
//   migration's time, delivered ones stay NULL.
// - An index on each lane's head.
//
// The lanes are computed in SQL, as laneOf computed them when this was
// written: a migration means what it meant then, whatever laneOf becomes.

import type { Database } from 'better-sqlite3';

export function migration0007OutboxLanes(db: Database): void {
  db.exec(`
    ALTER TABLE outbox ADD COLUMN lane TEXT CHECK (lane IN ('audit', 'approval', 'requester'));
    ALTER TABLE outbox ADD COLUMN created_at INTEGER;

    UPDATE outbox SET
      lane = CASE
        WHEN json_extract(notification, '$.kind') = 'requester_dm' THEN 'requester'
        WHEN json_extract(notification, '$.kind') IN ('approval_request', 'approval_reminder') THEN 'approval'
        WHEN json_extract(notification, '$.kind') = 'approval_update'
          AND json_extract(notification, '$.request.decision.effect') IS NOT 'break_glass' THEN 'approval'
        ELSE 'audit'
      END,
      created_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000
    WHERE delivered_at IS NULL;

    CREATE INDEX outbox_undelivered_lane ON outbox (request_id, lane, id) WHERE delivered_at IS NULL;
  `);
}
