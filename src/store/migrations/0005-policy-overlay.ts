// Schema version 5: `policy_overlay`, the VMs admins enabled or edited from
// Slack. One row per VM short name (unique ignoring case, as the policy
// compares names), holding the VM entry in the native policy form. Written in
// the same transaction as its `policy.*` audit event; merged over the policy
// file at every load (domain/policy/overlay.ts).

import type { Database } from 'better-sqlite3';

export function migration0005PolicyOverlay(db: Database): void {
  db.exec(`
    CREATE TABLE policy_overlay (
      name TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
      vm TEXT NOT NULL CHECK (json_valid(vm)),
      updated_by TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    ) STRICT;
  `);
}
