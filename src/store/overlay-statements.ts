// The statements behind the Slack policy overlay (schema 5), prepared once per connection.

import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import type { OverlayVm } from '../domain/policy/overlay.js';

type OverlayRow = { name: string; vm: string; updatedBy: string; updatedAt: number };

const SELECT_ALL = 'SELECT name, vm, updated_by AS updatedBy, updated_at AS updatedAt FROM policy_overlay ORDER BY rowid';
const toEntry = (row: OverlayRow): OverlayVm => ({ ...row, vm: JSON.parse(row.vm) as Record<string, unknown> });

export function prepareOverlayStatements(db: Database) {
  // Upsert keeps the row (and its rowid, hence its place in the list) when a VM is edited again.
  const upsert = db.prepare<[OverlayRow]>(
    `INSERT INTO policy_overlay (name, vm, updated_by, updated_at) VALUES (@name, @vm, @updatedBy, @updatedAt)
     ON CONFLICT (name) DO UPDATE SET name = excluded.name, vm = excluded.vm, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
  );
  const all = db.prepare<[], OverlayRow>(SELECT_ALL);
  const remove = db.prepare<[string]>('DELETE FROM policy_overlay WHERE name = ?');
  return {
    save: (entry: OverlayVm) => upsert.run({ ...entry, vm: JSON.stringify(entry.vm) }),
    all: (): OverlayVm[] => all.all().map(toEntry),
    remove: (name: string) => remove.run(name).changes > 0,
  };
}

/**
 * The overlay of a database file, read without writing to it (no migration, no
 * WAL switch): `jit policy export` may run beside a live bot. A database from
 * before schema 5 has no overlay.
 */
export function readOverlayFile(file: string): OverlayVm[] {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'policy_overlay'").get();
    if (table === undefined) return [];
    return db.prepare<[], OverlayRow>(SELECT_ALL).all().map(toEntry);
  } finally {
    db.close();
  }
}
