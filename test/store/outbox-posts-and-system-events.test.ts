// Schema 4 as SQLite keeps it: an edited system event caught by the chain, and
// the migration that rebuilt two tables without losing a row, a hash or an id.
// The post journal and system events through the port are the store
// contract's (contract/outbox.ts, contract/audit.ts).

import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { SystemEvent } from '../../src/domain/types.js';
import { migrate } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import { freshStoreFile, makeEvent, makeRequest } from './fixtures.js';

const tmp = freshStoreFile();
const open = () => tmp.open();

const drift: SystemEvent = {
  name: 'drift.orphan_closed',
  actor: 'system',
  at: 1_800_000_000_000,
  detail: 'backend memory allows 22/TCP on web-01 from 10.0.0.1/32: closed',
};

describe('system events', () => {
  it('systemEvents_shareTheHashChain_soEditingOneIsCaught', async () => {
    const s = open();
    const request = makeRequest();
    const created = makeEvent(request, 'request.created');
    await s.insertRequest(request, [created], []);
    await s.recordSystemEvent(drift, []);
    await s.insertRequest(makeRequest({ id: 'def234' }), [makeEvent(makeRequest({ id: 'def234' }), 'request.created')], []);
    expect(await s.verifyAuditChain()).toMatchObject({ ok: true, rows: 3 });

    const raw = new BetterSqlite3(tmp.file);
    raw.prepare("UPDATE audit_events SET detail = 'nothing happened' WHERE request_id IS NULL").run();
    raw.close();
    expect(await s.verifyAuditChain()).toMatchObject({ ok: false, seq: 2, problem: 'edited' });
  });
});

describe('schema 4 migration', () => {
  it('rebuildsAuditAndOutbox_keepingEveryRowHashAndId', async () => {
    // A schema-3 database with history: events, a delivered and an undelivered row.
    const db = new BetterSqlite3(tmp.file);
    migrate(db, migrations.slice(0, 2));
    db.exec(`INSERT INTO requests (id, state, version, requester, vm, created_at, data) VALUES ('abcdef', 'closed', 3, 'U1', 'web-1', 0, '{}')`);
    for (let i = 0; i < 3; i++) db.prepare("INSERT INTO audit_events (request_id, name, actor, at) VALUES ('abcdef', 'grant.closed', 'system', ?)").run(i);
    db.close();
    // Schema 3 chains the rows written before it.
    const chained = new BetterSqlite3(tmp.file);
    migrate(chained, migrations.slice(0, 3));
    chained.exec(`
      INSERT INTO outbox (request_id, notification, delivered_at) VALUES ('abcdef', '{"kind":"x"}', 5);
      INSERT INTO outbox (request_id, notification) VALUES ('abcdef', '{"kind":"y"}');
      INSERT INTO outbox (request_id, notification) VALUES ('abcdef', '{"kind":"z"}');
      DELETE FROM outbox WHERE id = 3;
    `);
    const before = chained.prepare('SELECT seq, request_id, name, actor, at, detail, prev_hash, hash FROM audit_events ORDER BY seq').all();
    const outboxBefore = chained.prepare('SELECT * FROM outbox ORDER BY id').all();
    chained.close();

    const s = open();
    const after = new BetterSqlite3(tmp.file, { readonly: true });
    try {
      expect(after.prepare('SELECT seq, request_id, name, actor, at, detail, prev_hash, hash FROM audit_events ORDER BY seq').all()).toEqual(before);
      // Every column the row had, unchanged (schema 6 adds two more, unset; schema 7's lane and time: outbox-lanes.test.ts).
      const rows = after.prepare<[], { lane: unknown; created_at: unknown }>('SELECT * FROM outbox ORDER BY id').all();
      expect(rows.map(({ lane: _lane, created_at: _created, ...row }) => row)).toEqual(
        outboxBefore.map((row) => ({ ...(row as object), claimed_by: null, claimed_until: null })),
      );
    } finally {
      after.close();
    }
    expect(await s.verifyAuditChain()).toMatchObject({ ok: true, rows: 3 });

    // Ids are never reused: the deleted outbox row 3 stays used, the next row is 4.
    await s.recordSystemEvent(drift, [{ kind: 'system', event: drift }]);
    expect((await s.pendingOutbox(10)).map((row) => row.id)).toEqual([2, 4]);
    expect(await s.verifyAuditChain()).toMatchObject({ ok: true, rows: 4 });
  });
});
