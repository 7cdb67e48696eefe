// What the SQLite store's write path relies on to do less per write, each
// shown where it could go wrong:
// - the audit chain's head is kept in memory between writes: it must be read
//   again when another connection (another process on the file) has written,
//   and forgotten when a write rolls back, so the chain stays one line;
// - a row's seq is the one AUTOINCREMENT would give (a deleted last row's seq
//   is not used again);
// - the compare-and-swap leaves requester, vm and created_at alone when they
//   do not change, and still rewrites them when they do;
// - a write returns the request it was given (no parse of the JSON just
//   written) only when that JSON gives back exactly it.

import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { AccessRequest, SystemEvent } from '../../src/domain/types.js';
import { isExactJson } from '../../src/store/rows.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { approvalOf, auditNote, dmNote, freshStoreFile, makeEvent, makeRequest, moved, seedRequest } from './fixtures.js';

const db = freshStoreFile();

const drift = (detail: string): SystemEvent => ({ name: 'drift.orphan_closed', actor: 'system', at: 1, detail });

function chainRows(file: string): Array<{ seq: number; prev: string; hash: string }> {
  const raw = new BetterSqlite3(file, { readonly: true });
  try {
    return raw.prepare<[], { seq: number; prev: string; hash: string }>('SELECT seq, prev_hash AS prev, hash FROM audit_events ORDER BY seq').all();
  } finally {
    raw.close();
  }
}

describe('the audit chain head kept between writes', () => {
  it('twoConnectionsTakingTurns_writeOneUnbrokenChain', async () => {
    const a = db.open();
    const b = SqliteStore.open(db.file);
    try {
      // Each write follows one by the other connection: every head `a` kept is stale when it writes next.
      for (let i = 0; i < 5; i++) {
        const mine = await seedRequest(a, { id: `aaa${i}22` });
        await b.recordSystemEvent(drift(`b ${i}`), []);
        const { next, events, notes } = approvalOf(mine);
        expect(await a.transition(mine, next, events, notes)).toBeDefined();
        await seedRequest(b, { id: `bbb${i}22` });
      }

      expect(await a.verifyAuditChain()).toMatchObject({ ok: true, rows: 20 });
      expect(await b.verifyAuditChain()).toMatchObject({ ok: true, rows: 20 });
    } finally {
      await b.close();
    }
  });

  it('aWriteRolledBackAfterItsEvent_leavesNoLinkToIt_forTheNextWrite', async () => {
    const store = db.open();
    await seedRequest(store);
    // The event is written, then the outbox row (naming no stored request) fails: all of it rolls back.
    const ghost = makeRequest({ id: 'ghost2' });
    await expect(store.recordSystemEvent(drift('lost'), [dmNote(ghost, 'grant.closed')])).rejects.toMatchObject({ code: 'jit_store_failed' });

    await store.recordSystemEvent(drift('kept'), []);

    expect(await store.verifyAuditChain()).toMatchObject({ ok: true, rows: 2 });
    expect((await store.systemEvents()).map((e) => e.detail)).toEqual(['kept']);
  });

  it('aBatchOfTransitions_thenSingleWrites_keepOneChain', async () => {
    const store = db.open();
    const requests = [];
    for (const id of ['bat122', 'bat222', 'bat322', 'bat422']) requests.push(await seedRequest(store, { id }));
    const items = requests.slice(0, 3).map((request) => {
      const { next, events, notes } = approvalOf(request);
      return { expected: request, next, events, notifications: notes };
    });

    expect(await store.transitions(items)).toHaveLength(3);
    const last = approvalOf(requests[3]!);
    expect(await store.transition(requests[3]!, last.next, last.events, last.notes)).toBeDefined();
    // A batch that fails rolls back whole; the next write still links to the last stored row.
    const refused = {
      expected: { ...items[0]!.next, version: 2 },
      next: moved(items[0]!.next, { state: 'exploded' as AccessRequest['state'] }),
      events: items[0]!.events,
      notifications: [],
    };
    await expect(store.transitions([refused])).rejects.toMatchObject({ code: 'jit_store_failed' });
    await store.recordSystemEvent(drift('after'), []);

    expect(await store.verifyAuditChain()).toMatchObject({ ok: true, rows: 9 });
  });

  it('afterTheLastRowWasDeletedByHand_theNextRowTakesANewSeq_likeAutoincrement', async () => {
    const store = db.open();
    await seedRequest(store, { id: 'one222' });
    await seedRequest(store, { id: 'two222' });
    const raw = new BetterSqlite3(db.file);
    raw.exec('DELETE FROM audit_events WHERE seq = 2');
    raw.close();

    await store.recordSystemEvent(drift('after'), []);

    const rows = chainRows(db.file);
    expect(rows.map((row) => row.seq)).toEqual([1, 3]);
    expect(rows[1]!.prev).toBe(rows[0]!.hash);
  });

  it('threadsRacingOnOneFile_writeOneUnbrokenChain', async () => {
    const store = db.open();
    const requests = Array.from({ length: 30 }, (_, i) => makeRequest({ id: `req-${i}` }));
    for (const request of requests) await store.insertRequest(request, [makeEvent(request, 'request.created')], []);
    const barrier = new SharedArrayBuffer(4);
    const workers = 3;

    const won = await Promise.all(Array.from({ length: workers }, (_, i) => raceWorker({ file: db.file, name: `U0WORKER${i}`, requests, barrier, workers })));
    // And this connection, whose kept head every worker made stale.
    await store.recordSystemEvent(drift('after the race'), []);

    expect(won.flat()).toHaveLength(requests.length);
    expect(await store.verifyAuditChain()).toMatchObject({ ok: true, rows: 2 * requests.length + 1 });
  });
});

describe('the compare-and-swap', () => {
  it('transition_thatChangesRequesterVmAndCreatedAt_rewritesThoseColumnsToo', async () => {
    const store = db.open();
    const request = await seedRequest(store, { requester: 'U0FIRST', vm: 'web-01', createdAt: 1000 });
    const next = moved(request, { requester: 'U0SECOND', vm: 'db-01', createdAt: 2000 });

    expect(await store.transition(request, next, [], [])).toMatchObject({ version: request.version + 1, vm: 'db-01' });

    expect((await store.listRequests({ vm: 'db-01', requester: 'U0SECOND' })).map((r) => r.id)).toEqual([request.id]);
    expect(await store.listRequests({ vm: 'web-01' })).toEqual([]);
    expect(await store.requestTimesSince('U0SECOND', 0)).toEqual([2000]);
  });

  it('transition_fromAVersionTheRowNoLongerHas_losesWithEitherStatement', async () => {
    const store = db.open();
    const request = await seedRequest(store);
    const { next, events, notes } = approvalOf(request);
    await store.transition(request, next, events, notes);

    expect(await store.transition(request, moved(request, { state: 'denied' }), [], [])).toBeUndefined();
    expect(await store.transition(request, moved(request, { state: 'denied', vm: 'db-01' }), [], [])).toBeUndefined();
    expect(await store.getRequest(request.id)).toMatchObject({ state: 'approved', vm: request.vm });
  });
});

describe('what a write returns', () => {
  it('isWhatReadingTheRowGives_keyForKey', async () => {
    const store = db.open();
    const request = makeRequest({ id: 'ret222' });
    const created = makeEvent(request, 'request.created');

    const inserted = await store.insertRequest(request, [created], [auditNote(request, created)]);
    expect(inserted).toStrictEqual(await store.getRequest(request.id));
    expect(inserted).not.toBe(request);

    const { next, events, notes } = approvalOf(inserted);
    const moved1 = await store.transition(inserted, next, events, notes);
    expect(moved1).toStrictEqual(await store.getRequest(request.id));
  });

  it('whenAFieldIsUndefined_isTheJsonReadBack_withoutThatKey', async () => {
    const store = db.open();
    const request = { ...makeRequest({ id: 'und222' }), endAt: undefined, approvals: ['U0APPROVE1'] };

    const inserted = await store.insertRequest(request, [], []);

    expect(Object.keys(inserted)).not.toContain('endAt');
    expect(Object.keys(inserted)).toEqual(Object.keys((await store.getRequest(request.id))!));
    const next = { ...moved(inserted, { state: 'approved' }), startAt: undefined };
    expect(Object.keys((await store.transition(inserted, next, [], []))!)).not.toContain('startAt');
  });

  it.each<[string, unknown, boolean]>([
    ['a request', makeRequest(), true],
    ['nested plain values', { a: [1, 'x', null, true, { b: [] }], c: { d: -1.5 } }, true],
    ['an undefined property', { a: undefined }, false],
    ['an undefined array item', [1, undefined], false],
    ['a hole', withHole(), false],
    ['-0', { a: -0 }, false],
    ['NaN', { a: Number.NaN }, false],
    ['Infinity', [Number.POSITIVE_INFINITY], false],
    ['a Date', { at: new Date(0) }, false],
    ['a class instance', { a: new (class Box {})() }, false],
    ['a function', { f: () => 1 }, false],
    ['a bigint', { n: 1n }, false],
    ['an array with an extra key', Object.assign([1], { extra: 2 }), false],
  ])('isExactJson_with%s_is%s', (_name, value, exact) => {
    expect(isExactJson(value, 0)).toBe(exact);
    // The promise it makes: JSON gives back a tree equal key for key.
    if (exact) expect(JSON.parse(JSON.stringify(value))).toStrictEqual(value);
  });
});

function raceWorker(data: object): Promise<string[]> {
  return new Promise((resolve, reject) => {
    // Worker threads do not inherit vitest's TypeScript loader; tsx loads the .ts entry.
    const entry = new URL('./race-worker.ts', import.meta.url).href;
    const boot = `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`;
    const worker = new Worker(boot, { eval: true, workerData: data });
    worker.once('message', (won: string[]) => resolve(won));
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`race worker exited with ${code}`))));
  });
}

/** [1, <empty>, 3]: an array with a missing index, which JSON writes as null. */
function withHole(): unknown[] {
  const array = [1];
  array[2] = 3;
  return array;
}
