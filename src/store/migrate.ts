// Schema migrations (STYLE.md §7): numbered pure functions, each applied in its
// own transaction together with the PRAGMA user_version that records it, so a
// crash leaves the database at one version or the next, never in between.

import type { Database } from 'better-sqlite3';
import { JitError, isJitError } from '../domain/errors.js';

/** Brings the schema from version n-1 to n, where n is its position (from 1) in the list. */
export type Migration = (db: Database) => void;

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies the pending migrations; refuses a database written by a newer build. */
export function migrate(db: Database, migrations: readonly Migration[]): void {
  refuseFuture(db, schemaVersion(db), migrations.length);

  // One migration per IMMEDIATE transaction, re-reading the version under the
  // write lock: two processes opening a fresh file at once then apply each
  // migration exactly once instead of both running CREATE TABLE.
  const applyNext = db.transaction((): boolean => {
    const version = schemaVersion(db);
    refuseFuture(db, version, migrations.length);
    const migration = migrations[version];
    if (migration === undefined) return false;
    try {
      migration(db);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new JitError('jit_store_failed', `migration ${version + 1} (${migration.name}) failed on ${db.name}: ${why}`, {
        cause: error,
      });
    }
    db.pragma(`user_version = ${version + 1}`);
    return true;
  });

  try {
    while (applyNext.immediate()) {
      // each pass applies one migration and commits it
    }
  } catch (error) {
    if (isJitError(error)) throw error;
    throw new JitError('jit_store_failed', `could not migrate ${db.name}: ${String(error)}`, { cause: error });
  }
}

function refuseFuture(db: Database, version: number, known: number): void {
  if (version <= known) return;
  // Running old code on a newer schema could silently drop what the newer
  // build relies on; stopping is the only safe answer.
  throw new JitError(
    'jit_store_failed',
    `database ${db.name} was written by a newer version (schema ${version}, this build knows ${known}): upgrade the bot or point JIT_DB at another file`,
  );
}
