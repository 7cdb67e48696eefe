// What only a look inside the SQLite file shows about the outbox. The outbox's
// behaviour itself is the store contract's (contract/outbox.ts).

import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { auditNote, dmNote, makeEvent, makeRequest, makeTempDir, removeDir } from './fixtures.js';

let dir: string;
let store: SqliteStore;
let now: number;

beforeEach(() => {
  dir = makeTempDir();
  now = 1_800_000_000_000;
  store = SqliteStore.open(path.join(dir, 'jit.db'), { clock: { now: () => now } });
});

afterEach(() => {
  store.close();
  removeDir(dir);
});

describe('outbox', () => {
  it('markDelivered_stampsDeliveredAtFromTheInjectedClock', async () => {
    const request = makeRequest({ id: 'aaa222' });
    const created = makeEvent(request, 'request.created');
    await store.insertRequest(request, [created], [auditNote(request, created), dmNote(request, 'request.created')]);
    const [first] = await store.pendingOutbox(10);

    await store.markDelivered(first!.id, []);

    const db = new BetterSqlite3(path.join(dir, 'jit.db'), { readonly: true });
    // delivered_at comes from the injected clock, not the wall clock.
    expect(db.prepare('SELECT delivered_at FROM outbox WHERE id = ?').pluck().get(first!.id)).toBe(now);
    db.close();
  });
});
