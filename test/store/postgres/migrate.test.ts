// PostgreSQL's migrations: the same versions as SQLite's, applied once however
// many replicas start at once, and a database from a newer build refused.

import BetterSqlite3 from 'better-sqlite3';
import { expect, it } from 'vitest';
import { migrate } from '../../../src/store/migrate.js';
import { migrations } from '../../../src/store/migrations/index.js';
import { migratePg, pgSchemaVersion, type PgMigration } from '../../../src/store/postgres/migrate.js';
import { pgMigrations } from '../../../src/store/postgres/migrations/index.js';
import { createPool } from '../../../src/store/postgres/pool.js';
import { PostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { admin, createDatabase, describePg, PG_URL, pgScratch } from '../../support/postgres.js';
import { makeRequest } from '../fixtures.js';

/** Columns PostgreSQL keeps beside SQLite's (insertion order, copies of JSON fields), and its version table. */
const PG_ONLY_COLUMNS = new Set(['pos', 'batch_id', 'extends_id']);

function sqliteTables(version: number): Record<string, string[]> {
  const db = new BetterSqlite3(':memory:');
  try {
    migrate(db, migrations.slice(0, version));
    const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all();
    return Object.fromEntries(
      tables.map(({ name }) => [
        name,
        db
          .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${name}')`)
          .all()
          .map((column) => column.name)
          .sort(),
      ]),
    );
  } finally {
    db.close();
  }
}

async function pgTables(schema: string): Promise<Record<string, string[]>> {
  const { rows } = await admin((client) =>
    client.query<{ table_name: string; column_name: string }>(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name <> 'jit_schema_version'",
      [schema],
    ),
  );
  const tables: Record<string, string[]> = {};
  for (const { table_name, column_name } of rows) if (!PG_ONLY_COLUMNS.has(column_name)) (tables[table_name] ??= []).push(column_name);
  for (const columns of Object.values(tables)) columns.sort();
  return tables;
}

describePg('PostgreSQL migrations', () => {
  const scratch = pgScratch();

  it('migrations_atEveryVersion_haveTheTablesAndColumnsOfSqliteAtThatVersion', async () => {
    expect(pgMigrations).toHaveLength(migrations.length);
    for (let version = 1; version <= migrations.length; version++) {
      const schema = await scratch.schema();
      const pool = scratch.track(createPool(PG_URL, { schema, poolSize: 1 }));
      await migratePg(pool, pgMigrations.slice(0, version), schema);

      expect(await pgSchemaVersion(pool)).toBe(version);
      expect({ version, tables: await pgTables(schema) }).toEqual({ version, tables: sqliteTables(version) });
    }
  });

  it('migrate_racedByTenReplicas_appliesEachMigrationOnce', async () => {
    const schema = await scratch.schema();
    const applied: number[] = [];
    const counting = [1, 2, 3].map(
      (n): PgMigration =>
        async (client) => {
          applied.push(n);
          await client.query(`CREATE TABLE step_${n} (id INTEGER)`);
        },
    );
    const pools = Array.from({ length: 10 }, () => scratch.track(createPool(PG_URL, { schema, poolSize: 1 })));

    await Promise.all(pools.map((pool) => migratePg(pool, counting, schema)));

    expect(applied).toEqual([1, 2, 3]);
    expect(await pgSchemaVersion(pools[0]!)).toBe(3);
  });

  it('open_racedOnAFreshSchema_migratesOnce_andEveryStoreWorks', async () => {
    const schema = await scratch.schema();

    const stores = await Promise.all(Array.from({ length: 5 }, () => PostgresStore.open(PG_URL, { schema, poolSize: 2 }).then(scratch.track)));

    await stores[0]!.insertRequest(makeRequest(), [], []);
    for (const store of stores) expect(await store.getRequest(makeRequest().id)).toEqual(makeRequest());
    const { rows } = await admin((client) => client.query(`SELECT version FROM ${schema}.jit_schema_version`));
    expect(rows).toEqual([{ version: pgMigrations.length }]);
  });

  it('open_onADatabaseFromANewerBuild_isRefused_sayingToUpgrade', async () => {
    const schema = await scratch.schema();
    await (await PostgresStore.open(PG_URL, { schema })).close();
    await admin((client) => client.query(`UPDATE ${schema}.jit_schema_version SET version = 99`));

    const opening = PostgresStore.open(PG_URL, { schema });

    await expect(opening).rejects.toMatchObject({ code: 'jit_store_failed' });
    await expect(opening).rejects.toThrow(`newer version (schema 99, this build knows ${pgMigrations.length}): upgrade the bot`);
  });

  it('open_inASchemaThatDoesNotExist_saysSo', async () => {
    await expect(PostgresStore.open(PG_URL, { schema: 'jit_t_missing' })).rejects.toThrow(/\(schema jit_t_missing\) has no schema to keep the tables in/);
  });

  it('open_withoutASchema_usesTheServersSearchPath_onAFreshDatabase', async () => {
    const database = await createDatabase();
    try {
      const store = await PostgresStore.open(database.url);
      await store.insertRequest(makeRequest(), [], []);
      await store.close();
      const { rows } = await admin((client) => client.query('SELECT count(*)::int AS n FROM public.requests'), database.url);
      expect(rows).toEqual([{ n: 1 }]);
    } finally {
      await database.drop();
    }
  });
});
