// Schema 7 on both engines: rows waiting in the outbox when the bot is
// upgraded get the lane laneOf gives them (so a queue stuck behind an audit
// post the bot may not make lets its DMs go at once), and a row written
// without a lane (an older build still running, during a rolling upgrade)
// keeps the old order: it passes no earlier row of its request, and no later
// row passes it.

import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { laneOf, type Notification } from '../../src/domain/notification.js';
import type { AccessRequest } from '../../src/domain/types.js';
import type { OutboxRow, Store } from '../../src/ports/store.js';
import { migrate } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import { migratePg } from '../../src/store/postgres/migrate.js';
import { pgMigrations } from '../../src/store/postgres/migrations/index.js';
import { createPool } from '../../src/store/postgres/pool.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { admin, describePg, PG_URL, pgScratch } from '../support/postgres.js';
import { auditNote, dmNote, freshStoreFile, makeEvent, makeRequest, moved } from './fixtures.js';

const NOW = 1_800_000_000_000;
const LEASE = 30_000;

const request = makeRequest({ id: 'aaa222' });
const breakGlass = moved(request, { decision: { effect: 'break_glass', approvalsNeeded: 0, approvers: [], matchedRule: 'glass', reasons: [] } });
const created = makeEvent(request, 'request.created');
/** One notification of every kind, with the lane each must get. */
const EVERY_KIND: Array<[Notification, string]> = [
  [auditNote(request, created), 'audit'],
  [{ kind: 'approval_request', target: 'U0APPROVE1', request }, 'approval'],
  [{ kind: 'approval_update', request }, 'approval'],
  [{ kind: 'approval_update', request: breakGlass }, 'audit'],
  [{ kind: 'approval_reminder', request, timesOutAt: NOW }, 'approval'],
  [{ kind: 'alert', event: created, request }, 'audit'],
  [{ kind: 'break_glass', request: breakGlass }, 'audit'],
  [dmNote(request, 'request.created'), 'requester'],
  [{ kind: 'system', event: { name: 'drift.orphan_closed', actor: 'system', at: NOW, detail: 'x' } }, 'audit'],
];

/** SQL with `?` placeholders, run the same way on either engine. */
type Exec = (sql: string, values?: unknown[]) => Promise<Array<Record<string, unknown>>>;

/** A schema-6 outbox: a delivered row, then one undelivered row of every kind. */
async function seedSchema6(exec: Exec, at: AccessRequest): Promise<void> {
  await exec("INSERT INTO requests (id, state, version, requester, vm, created_at, data) VALUES (?, 'pending', 1, 'U1', 'web-01', 0, ?)", [
    at.id,
    JSON.stringify(at),
  ]);
  await exec('INSERT INTO outbox (request_id, notification, delivered_at) VALUES (?, ?, 5)', [at.id, JSON.stringify(EVERY_KIND[0]![0])]);
  for (const [notification] of EVERY_KIND) {
    await exec('INSERT INTO outbox (request_id, notification) VALUES (?, ?)', [notification.kind === 'system' ? null : at.id, JSON.stringify(notification)]);
  }
}

async function expectLanesOfSchema6(exec: Exec, before: number, after: number): Promise<void> {
  const rows = await exec('SELECT lane, created_at AS "createdAt", notification FROM outbox ORDER BY id');
  // Delivered: no lane, no time (no claim reads it).
  expect(rows[0]).toMatchObject({ lane: null, createdAt: null });
  const pending = rows.slice(1);
  expect(pending.map((row) => row.lane)).toEqual(EVERY_KIND.map(([, lane]) => lane));
  // The migration says what laneOf says.
  expect(pending.map((row) => laneOf(JSON.parse(String(row.notification)) as Notification))).toEqual(EVERY_KIND.map(([, lane]) => lane));
  for (const row of pending) {
    expect(Number(row.createdAt)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(Number(row.createdAt)).toBeLessThanOrEqual(after + 1000);
  }
}

/**
 * A request with a root and a DM queued by this build, then a row an older
 * build wrote (no lane), then another DM: the old row waits for both before
 * it, and the later DM waits for it.
 */
async function expectALanelessRowKeepsTheOldOrder(store: Store, exec: Exec): Promise<void> {
  const fresh = makeRequest({ id: 'bbb222' });
  const event = makeEvent(fresh, 'request.created');
  await store.insertRequest(fresh, [event], [auditNote(fresh, event), dmNote(fresh, 'request.created')]);
  await exec('INSERT INTO outbox (request_id, notification) VALUES (?, ?)', [
    fresh.id,
    JSON.stringify({ kind: 'approval_request', target: 'U0OLD', request: fresh }),
  ]);
  await store.transition({ id: fresh.id, state: fresh.state, version: fresh.version }, moved(fresh, {}), [], [dmNote(fresh, 'request.approved')]);
  const kinds = (rows: OutboxRow[]) => rows.filter((row) => row.requestId === fresh.id).map((row) => row.notification.kind);
  const claim = async (at: number) => {
    const rows = (await store.claimOutbox('replica-a', at, LEASE, 100)).filter((row) => row.requestId === fresh.id);
    return rows;
  };

  const first = await claim(NOW);
  expect(kinds(first)).toEqual(['audit', 'requester_dm']);
  await store.markRetry(first[0]!.id, 'not_in_channel', NOW + 60_000);
  await store.markDelivered(first[1]!.id, []);
  // The old row waits for the failing root; the DM behind it waits for the old row.
  expect(kinds(await claim(NOW))).toEqual([]);
  const root = await claim(NOW + 60_000);
  expect(kinds(root)).toEqual(['audit']);
  await store.markDelivered(root[0]!.id, []);
  const old = await claim(NOW + 60_000);
  expect(kinds(old)).toEqual(['approval_request']);
  await store.markDelivered(old[0]!.id, []);
  expect(kinds(await claim(NOW + 60_000))).toEqual(['requester_dm']);
}

describe('schema 7 on SQLite', () => {
  const tmp = freshStoreFile(NOW);

  it('migration_givesEveryWaitingRowItsLane_andATime', async () => {
    const db = new BetterSqlite3(tmp.file);
    migrate(db, migrations.slice(0, 6));
    const exec: Exec = async (sql, values = []) => {
      if (sql.startsWith('SELECT')) return db.prepare(sql).all(...values) as Array<Record<string, unknown>>;
      db.prepare(sql).run(...values);
      return [];
    };
    await seedSchema6(exec, request);
    const before = Date.now();
    migrate(db, migrations);
    const after = Date.now();
    await expectLanesOfSchema6(exec, before, after);
    db.close();
  });

  it('claimOutbox_aRowWithoutALane_keepsTheOldOrderOfItsRequest', async () => {
    const store = tmp.open();
    const db = new BetterSqlite3(path.join(tmp.dir, 'jit.db'));
    try {
      await expectALanelessRowKeepsTheOldOrder(store, async (sql, values = []) => {
        db.prepare(sql).run(...values);
        return [];
      });
    } finally {
      db.close();
    }
  });
});

describePg('schema 7 on PostgreSQL', () => {
  const scratch = pgScratch();
  const execIn =
    (schema: string): Exec =>
    async (sql, values = []) => {
      let n = 0;
      const text = sql.replace(/\?/g, () => `$${++n}`);
      return admin(async (client) => {
        await client.query(`SET search_path TO ${schema}`);
        return (await client.query(text, values)).rows as Array<Record<string, unknown>>;
      });
    };

  it('migration_givesEveryWaitingRowItsLane_andATime', async () => {
    const schema = await scratch.schema();
    const pool = scratch.track(createPool(PG_URL, { schema, poolSize: 1 }));
    await migratePg(pool, pgMigrations.slice(0, 6), schema);
    const exec = execIn(schema);
    await seedSchema6(exec, request);
    const before = Date.now();
    await migratePg(pool, pgMigrations, schema);
    const after = Date.now();
    await expectLanesOfSchema6(exec, before, after);
  });

  it('claimOutbox_aRowWithoutALane_keepsTheOldOrderOfItsRequest', async () => {
    const schema = await scratch.schema();
    const store = scratch.track(await PostgresStore.open(PG_URL, { clock: { now: () => NOW }, schema, poolSize: 2 }));
    await expectALanelessRowKeepsTheOldOrder(store, execIn(schema));
  });
});
