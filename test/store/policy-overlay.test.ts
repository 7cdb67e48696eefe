// Schema 5: the Slack policy overlay as SQLite keeps it: across reopening, in a
// file readable without writing, and added to older databases. What the overlay
// does through the port is the store contract's (contract/overlay.ts).

import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import { readOverlayFile } from '../../src/store/overlay-statements.js';
import { freshStoreFile } from './fixtures.js';
import { overlayEntry as entry, vmEnabled as enabled } from './fixtures.js';

const tmp = freshStoreFile();
const open = () => tmp.open();

describe('policy overlay', () => {
  it('save_storesTheEntryWithItsAuditEventAndNotification_andSurvivesReopening', async () => {
    const s = open();
    const event = enabled('enabled JIT on web-3: 22/TCP from any source, up to 3h');
    await s.saveOverlayVm(entry('web-3'), event, [{ kind: 'system', event }]);

    expect(await s.overlayVms()).toEqual([entry('web-3')]);
    expect(await s.systemEvents()).toEqual([event]);
    expect((await s.pendingOutbox(10)).map((row) => row.notification)).toEqual([{ kind: 'system', event }]);
    expect(await s.verifyAuditChain()).toMatchObject({ ok: true, rows: 1 });
    s.close();
    expect(await open().overlayVms()).toEqual([entry('web-3')]);
  });

  it('readOverlayFile_readsWithoutWriting_andAnOlderDatabaseHasNone', async () => {
    const s = open();
    await s.saveOverlayVm(entry('web-3'), enabled('a'), []);
    expect(readOverlayFile(tmp.file)).toEqual([entry('web-3')]);
    s.close();

    const older = path.join(tmp.dir, 'old.db');
    const db = new BetterSqlite3(older);
    migrate(db, migrations.slice(0, 4));
    db.close();
    expect(readOverlayFile(older)).toEqual([]);
    const check = new BetterSqlite3(older, { readonly: true });
    expect(schemaVersion(check)).toBe(4);
    check.close();
  });
});

describe('schema 5 migration', () => {
  it('addsTheOverlayTable_toASchema4DatabaseWithHistory', async () => {
    const db = new BetterSqlite3(tmp.file);
    migrate(db, migrations.slice(0, 4));
    db.prepare("INSERT INTO audit_events (request_id, name, actor, at, detail) VALUES (NULL, 'drift.orphan_closed', 'system', 1, 'x')").run();
    db.close();

    const s = open();
    expect(await s.systemEvents()).toEqual([{ name: 'drift.orphan_closed', actor: 'system', at: 1, detail: 'x' }]);
    expect(await s.overlayVms()).toEqual([]);
    await s.saveOverlayVm(entry('web-3'), enabled('a'), []);
    expect(await s.overlayVms()).toHaveLength(1);
  });
});
