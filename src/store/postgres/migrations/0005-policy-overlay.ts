// Schema version 5, PostgreSQL's form of store/migrations/0005-policy-overlay.ts:
// the VMs admins enabled or edited from Slack, one row per name. SQLite's
// NOCASE is a unique index on lower(name) here: both fold ASCII alike, and VM
// names are ASCII. `pos` keeps the order the VMs were first saved (rowid).

import type { PoolClient } from 'pg';

export async function migration0005PolicyOverlay(client: PoolClient): Promise<void> {
  await client.query(`
    CREATE TABLE policy_overlay (
      name TEXT NOT NULL,
      vm TEXT NOT NULL CHECK (vm::json IS NOT NULL),
      updated_by TEXT NOT NULL,
      updated_at BIGINT NOT NULL,
      pos BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY
    );

    CREATE UNIQUE INDEX policy_overlay_name ON policy_overlay (lower(name));
  `);
}
