// Schema 4: the outbox's post journal, audit events of the bot itself (drift),
// and the migration that rebuilt two tables without losing a row, a hash or an id.

import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { SystemEvent } from '../../src/domain/types.js';
import { migrate } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import { auditNote, dmNote, freshStoreFile, makeEvent, makeRequest } from './fixtures.js';

const tmp = freshStoreFile();
const open = () => tmp.open();

const drift: SystemEvent = {
  name: 'drift.orphan_closed',
  actor: 'system',
  at: 1_800_000_000_000,
  detail: 'backend memory allows 22/TCP on web-01 from 10.0.0.1/32: closed',
};

describe('post journal', () => {
  it('claimThenRecord_keepsTheFirstClaimTime_andRecordWins', async () => {
    const s = open();
    const request = makeRequest();
    const created = makeEvent(request, 'request.created');
    await s.insertRequest(request, [created], [auditNote(request, created)]);
    const [row] = await s.pendingOutbox(10);

    await s.claimPost(row!.id, 'audit', 'CAUDIT', 1000);
    await s.claimPost(row!.id, 'audit', 'CAUDIT', 2000);
    expect(await s.outboxPosts(row!.id)).toEqual([{ step: 'audit', channel: 'CAUDIT', claimedAt: 1000 }]);

    await s.recordPost(row!.id, 'audit', 'CAUDIT', '1800000000.000100');
    // A late claim (a duplicate worker) must not erase what was recorded.
    await s.claimPost(row!.id, 'audit', 'COTHER', 3000);
    expect(await s.outboxPosts(row!.id)).toEqual([{ step: 'audit', channel: 'CAUDIT', claimedAt: 1000, ts: '1800000000.000100' }]);
  });

  it('posts_areKeptPerRowAndStep_inTheOrderTheyWereClaimed', async () => {
    const s = open();
    const request = makeRequest();
    const created = makeEvent(request, 'request.created');
    await s.insertRequest(request, [created], [auditNote(request, created), dmNote(request, 'request.created')]);
    const [audit, dm] = await s.pendingOutbox(10);
    await s.claimPost(audit!.id, 'reminder:C1:1.1', 'C1', 1);
    await s.recordPost(audit!.id, 'reminder:C2:2.2', 'C2', '9.9');
    await s.claimPost(dm!.id, 'dm', 'U0REQUEST', 5);

    expect((await s.outboxPosts(audit!.id)).map((post) => post.step)).toEqual(['reminder:C1:1.1', 'reminder:C2:2.2']);
    expect(await s.outboxPosts(dm!.id)).toEqual([{ step: 'dm', channel: 'U0REQUEST', claimedAt: 5 }]);
    expect(await s.outboxPosts(999)).toEqual([]);
  });
});

describe('system events', () => {
  it('recordSystemEvent_writesTheEventAndItsNotification_withNoRequest', async () => {
    const s = open();
    await s.recordSystemEvent(drift, [{ kind: 'system', event: drift }]);

    expect(await s.systemEvents()).toEqual([drift]);
    // Request events and the bot's own events are read apart.
    expect(await s.auditEvents()).toEqual([]);
    const [row] = await s.pendingOutbox(10);
    expect(row).toMatchObject({ notification: { kind: 'system', event: drift } });
    expect(row?.requestId).toBeUndefined();
  });

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
      expect(after.prepare('SELECT * FROM outbox ORDER BY id').all()).toEqual(outboxBefore);
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
