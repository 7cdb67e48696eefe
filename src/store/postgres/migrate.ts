// Schema migrations for PostgreSQL (STYLE.md §7), as store/migrate.ts does them
// for SQLite: numbered functions, each applied in its own transaction together
// with the version that records it (a one-row table here, as PostgreSQL has no
// user_version), and a database from a newer build refused.

import { JitError, isJitError } from '../../domain/errors.js';
import { inTransaction, run, type PgPool, type PoolClient } from './pool.js';

/** Brings the schema from version n-1 to n, where n is its position (from 1) in the list. */
export type PgMigration = (client: PoolClient) => Promise<void>;

/** The advisory lock namespace of migrations; the second key is the schema's name, hashed. */
const MIGRATION_LOCK = 0x6a69_7401;

const VERSION_TABLE = `CREATE TABLE IF NOT EXISTS jit_schema_version (
  only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
  version INTEGER NOT NULL
)`;

/** The schema version of the database the pool reaches: 0 before the first migration. */
export async function pgSchemaVersion(client: PgPool | PoolClient): Promise<number> {
  const { rows } = await run<{ present: boolean }>(client, "SELECT to_regclass('jit_schema_version') IS NOT NULL AS present");
  if (!rows[0]?.present) return 0;
  const version = await run<{ version: number }>(client, 'SELECT version FROM jit_schema_version');
  return version.rows[0]?.version ?? 0;
}

/** Applies the pending migrations; refuses a database written by a newer build. `where` names it in errors. */
export async function migratePg(pool: PgPool, migrations: readonly PgMigration[], where: string): Promise<void> {
  try {
    // One migration per transaction, the version re-read under a lock on this
    // schema: replicas starting at once apply each migration exactly once.
    while (await inTransaction(pool, (client) => applyNext(client, migrations, where))) {
      // each pass applies one migration and commits it
    }
  } catch (error) {
    if (isJitError(error)) throw error;
    throw new JitError('jit_store_failed', `could not migrate ${where}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

async function applyNext(client: PoolClient, migrations: readonly PgMigration[], where: string): Promise<boolean> {
  const { rows } = await run<{ schema: string | null }>(client, 'SELECT current_schema() AS schema');
  const schema = rows[0]?.schema ?? null;
  if (schema === null) throw new JitError('jit_store_failed', `${where} has no schema to keep the tables in: create it, or set another schema`);
  await run(client, 'SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATION_LOCK, schema]);
  const version = await pgSchemaVersion(client);
  if (version > migrations.length) {
    // Old code on a newer schema could silently drop what the newer build relies on.
    throw new JitError(
      'jit_store_failed',
      `${where} was written by a newer version (schema ${version}, this build knows ${migrations.length}): upgrade the bot or point it at another database`,
    );
  }
  const migration = migrations[version];
  if (migration === undefined) return false;
  if (version === 0) await run(client, VERSION_TABLE);
  try {
    await migration(client);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new JitError('jit_store_failed', `migration ${version + 1} (${migration.name}) failed on ${where}: ${why}`, { cause: error });
  }
  await run(client, 'INSERT INTO jit_schema_version (version) VALUES ($1) ON CONFLICT (only_row) DO UPDATE SET version = excluded.version', [version + 1]);
  return true;
}
