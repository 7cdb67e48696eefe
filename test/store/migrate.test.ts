import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JitError } from '../../src/domain/errors.js';
import { migrate, schemaVersion } from '../../src/store/migrate.js';
import type { Migration } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { makeRequest, makeTempDir, removeDir } from './fixtures.js';

let dir: string;
let file: string;
const open: Database[] = [];

function raw(): Database {
  const db = new BetterSqlite3(file);
  open.push(db);
  return db;
}

function names(db: Database, type: 'table' | 'index'): string[] {
  return db
    .prepare<[string], { name: string }>("SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all(type)
    .map((row) => row.name);
}

beforeEach(() => {
  dir = makeTempDir();
  file = path.join(dir, 'jit.db');
});

afterEach(() => {
  for (const db of open.splice(0)) db.close();
  removeDir(dir);
});

describe('schema migrations', () => {
  it('open_onAFreshFile_createsTheSchemaAndSetsUserVersion', () => {
    SqliteStore.open(file).close();

    const db = raw();
    expect(schemaVersion(db)).toBe(migrations.length);
    expect(names(db, 'table')).toEqual([
      'api_tokens',
      'audit_events',
      'leases',
      'message_refs',
      'outbox',
      'outbox_posts',
      'policy_overlay',
      'requests',
      'source_links',
      'stream_cursors',
      'stream_dead_letters',
    ]);
    expect(names(db, 'index')).toEqual(expect.arrayContaining(['requests_state_end_at', 'requests_requester_state', 'outbox_undelivered']));
    const outboxIndex = db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'outbox_undelivered'").get();
    expect(outboxIndex?.sql).toContain('WHERE delivered_at IS NULL');
  });

  it('open_whenTheDirectoryIsMissing_createsIt', () => {
    const nested = path.join(dir, 'data', 'deeper', 'jit.db');
    SqliteStore.open(nested).close();
    expect(fs.existsSync(nested)).toBe(true);
  });

  it('open_whenThePathCannotBeCreated_throwsStoreFailed', () => {
    const blocker = path.join(dir, 'not-a-dir');
    fs.writeFileSync(blocker, '');
    expect(() => SqliteStore.open(path.join(blocker, 'jit.db'))).toThrow(
      expect.objectContaining({ code: 'jit_store_failed', message: expect.stringContaining('could not open') }),
    );
  });

  it('open_onAFile_turnsWalOn', () => {
    SqliteStore.open(file).close();
    // journal_mode = WAL is persistent, so another connection sees it.
    expect(raw().pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('open_inMemory_works', async () => {
    const store = SqliteStore.open(':memory:');
    await store.insertRequest(makeRequest(), [], []);
    expect((await store.getRequest('abc234'))?.vm).toBe('web-01');
    store.close();
  });

  it('open_whenReopened_keepsDataAndAppliesNothing', async () => {
    const first = SqliteStore.open(file);
    await first.insertRequest(makeRequest(), [], []);
    first.close();

    const second = SqliteStore.open(file);
    expect(await second.getRequest('abc234')).toEqual(makeRequest());
    second.close();
    expect(schemaVersion(raw())).toBe(migrations.length);
  });

  it('open_whenTheDatabaseIsFromANewerBuild_isRefusedAndNotMigrated', () => {
    raw().pragma(`user_version = ${migrations.length + 7}`);

    const attempt = (): unknown => SqliteStore.open(file);
    expect(attempt).toThrow(JitError);
    expect(attempt).toThrow(
      `database ${file} was written by a newer version (schema ${migrations.length + 7}, this build knows ${migrations.length}): upgrade the bot or point JIT_DB at another file`,
    );
    expect(names(raw(), 'table')).toEqual([]);
  });

  it('schema_rejectsUnknownStatesAndRoles', () => {
    SqliteStore.open(file).close();
    const db = raw();
    const insert = (state: string): unknown =>
      db
        .prepare('INSERT INTO requests (id, state, version, requester, vm, created_at, data) VALUES (?, ?, 1, ?, ?, 0, ?)')
        .run(`id-${state}`, state, 'U1', 'vm', '{}');
    expect(() => insert('exploded')).toThrow(/CHECK constraint/);
    insert('active');
    expect(() => db.prepare("INSERT INTO message_refs (request_id, role, channel, ts) VALUES ('id-active', 'banner', 'C1', '1.2')").run()).toThrow(
      /CHECK constraint/,
    );
  });
});

describe('migrate()', () => {
  function recording(log: string[], name: string, sql: string): Migration {
    return (db) => {
      log.push(name);
      db.exec(sql);
    };
  }

  it('migrate_appliesOnlyThePendingMigrationsInOrder', () => {
    const log: string[] = [];
    const list = [recording(log, 'one', 'CREATE TABLE a (x)'), recording(log, 'two', 'CREATE TABLE b (x)')];
    const db = raw();

    migrate(db, list.slice(0, 1));
    migrate(db, list);
    migrate(db, list);

    expect(log).toEqual(['one', 'two']);
    expect(schemaVersion(db)).toBe(2);
  });

  it('migrate_whenAMigrationFails_rollsItBackAndKeepsTheEarlierOnes', () => {
    const log: string[] = [];
    const failing: Migration = (db) => {
      db.exec('CREATE TABLE half_done (x)');
      throw new Error('boom');
    };
    const db = raw();

    expect(() => migrate(db, [recording(log, 'one', 'CREATE TABLE a (x)'), failing])).toThrow(/migration 2 \(failing\) failed .*boom/);
    expect(schemaVersion(db)).toBe(1);
    expect(names(db, 'table')).toEqual(['a']);
  });
});
