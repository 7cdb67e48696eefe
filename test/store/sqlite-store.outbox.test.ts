import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JitError } from '../../src/domain/errors.js';
import type { AccessRequest } from '../../src/domain/types.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { MessageRef } from '../../src/ports/notifier.js';
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

/** A request whose creation queued an audit post and a DM, in that order. */
function seed(id: string): AccessRequest {
  const request = makeRequest({ id });
  const created = makeEvent(request, 'request.created');
  return store.insertRequest(request, [created], [auditNote(request, created), dmNote(request, 'request.created')]);
}

function ref(requestId: string, role: MessageRef['role'], channel: string, ts: string): MessageRef {
  return { requestId, role, channel, ts };
}

describe('outbox', () => {
  it('pendingOutbox_returnsUndeliveredRowsInWriteOrderUpToTheLimit', () => {
    const a = seed('aaa222');
    const b = seed('bbb222');

    const rows = store.pendingOutbox(10);

    expect(rows.map((row) => [row.requestId, row.notification.kind])).toEqual([
      ['aaa222', 'audit'],
      ['aaa222', 'requester_dm'],
      ['bbb222', 'audit'],
      ['bbb222', 'requester_dm'],
    ]);
    expect(rows.map((row) => row.id)).toEqual([...rows.map((row) => row.id)].sort((x, y) => x - y));
    expect(rows[0]).toEqual({
      id: rows[0]!.id,
      requestId: 'aaa222',
      notification: auditNote(a, makeEvent(a, 'request.created')),
      attempts: 0,
      nextAttemptAt: 0,
    });
    expect(rows[3]!.notification).toEqual(dmNote(b, 'request.created'));
    expect(store.pendingOutbox(3)).toEqual(rows.slice(0, 3));
  });

  it('markRetry_countsTheAttemptAndKeepsTheRowPending', () => {
    seed('aaa222');
    const [first] = store.pendingOutbox(10);

    store.markRetry(first!.id, 'slack said ratelimited', now + 30_000);
    store.markRetry(first!.id, 'slack said internal_error', now + 90_000);

    expect(store.pendingOutbox(10)[0]).toMatchObject({
      id: first!.id,
      attempts: 2,
      lastError: 'slack said internal_error',
      nextAttemptAt: now + 90_000,
    });
  });

  it('markRetry_truncatesTheErrorTo500Characters', () => {
    seed('aaa222');
    const [first] = store.pendingOutbox(10);

    store.markRetry(first!.id, `${'x'.repeat(499)}😀${'y'.repeat(100)}`, now);

    // The emoji would straddle the cut; it is dropped rather than split in half.
    expect(store.pendingOutbox(10)[0]!.lastError).toBe('x'.repeat(499));
  });

  it('markDelivered_removesTheRowFromPendingAndStoresTheRefs', () => {
    seed('aaa222');
    const [first, second] = store.pendingOutbox(10);

    store.markDelivered(first!.id, [ref('aaa222', 'audit', 'C0AUDIT', '1700000000.000100')]);

    expect(store.pendingOutbox(10)).toEqual([second]);
    expect(store.messageRefs('aaa222')).toEqual([ref('aaa222', 'audit', 'C0AUDIT', '1700000000.000100')]);
    const db = new BetterSqlite3(path.join(dir, 'jit.db'), { readonly: true });
    // delivered_at comes from the injected clock, not the wall clock.
    expect(db.prepare('SELECT delivered_at FROM outbox WHERE id = ?').pluck().get(first!.id)).toBe(now);
    db.close();
  });

  it('markDelivered_withARefForTheSameRoleAndChannel_replacesItsTs', () => {
    seed('aaa222');
    const [first, second] = store.pendingOutbox(10);
    store.markDelivered(first!.id, [ref('aaa222', 'approval', 'C0APPROVE', '1.000100'), ref('aaa222', 'approval', 'D0DM', '1.000200')]);

    store.markDelivered(second!.id, [ref('aaa222', 'approval', 'C0APPROVE', '2.000100')]);

    expect(store.messageRefs('aaa222')).toEqual([ref('aaa222', 'approval', 'C0APPROVE', '2.000100'), ref('aaa222', 'approval', 'D0DM', '1.000200')]);
  });

  it('markDelivered_whenARefIsInvalid_leavesTheRowPending', () => {
    seed('aaa222');
    const [first] = store.pendingOutbox(10);
    const bad = { ...ref('aaa222', 'audit', 'C0AUDIT', '1.1'), role: 'banner' } as unknown as MessageRef;

    expect(() => store.markDelivered(first!.id, [ref('aaa222', 'audit', 'C0AUDIT', '1.0'), bad])).toThrow(JitError);

    expect(store.pendingOutbox(10)[0]!.id).toBe(first!.id);
    expect(store.messageRefs('aaa222')).toEqual([]);
  });

  it('markDelivered_andMarkRetry_onAnUnknownRow_throw', () => {
    expect(() => store.markDelivered(4242, [])).toThrow(/outbox row 4242 does not exist/);
    expect(() => store.markRetry(4242, 'boom', now)).toThrow(/outbox row 4242 does not exist/);
  });

  it('markRetry_afterDelivery_isIgnored', () => {
    seed('aaa222');
    const [first] = store.pendingOutbox(10);
    store.markDelivered(first!.id, []);

    store.markRetry(first!.id, 'late duplicate worker', now);

    expect(store.pendingOutbox(10).map((row) => row.id)).not.toContain(first!.id);
  });

  it('messageRefs_returnsOnlyThatRequestsRefs', () => {
    seed('aaa222');
    seed('bbb222');
    const [first] = store.pendingOutbox(10);
    store.markDelivered(first!.id, [ref('aaa222', 'audit', 'C0AUDIT', '1.1'), ref('bbb222', 'audit', 'C0AUDIT', '2.2')]);

    expect(store.messageRefs('bbb222')).toEqual([ref('bbb222', 'audit', 'C0AUDIT', '2.2')]);
    expect(store.messageRefs('ccc222')).toEqual([]);
  });
});

describe('auditEvents', () => {
  it('auditEvents_returnsEveryEventOldestFirst_orOneRequests', () => {
    const a = seed('aaa222');
    const b = seed('bbb222');
    const bare = makeEvent(a, 'request.cancelled', { detail: undefined });
    store.transition(a, { ...a, state: 'cancelled' }, [bare], []);

    expect(store.auditEvents().map((e) => [e.requestId, e.name])).toEqual([
      ['aaa222', 'request.created'],
      ['bbb222', 'request.created'],
      ['aaa222', 'request.cancelled'],
    ]);
    expect(store.auditEvents('bbb222')).toEqual([makeEvent(b, 'request.created')]);
    expect(store.auditEvents('aaa222')[1]).toStrictEqual({ requestId: 'aaa222', name: 'request.cancelled', actor: 'U0ACTOR', at: a.createdAt });
  });
});

describe('liveness', () => {
  it('ping_whenOpen_returnsTrue', () => {
    expect(store.ping()).toBe(true);
  });

  it('ping_afterClose_returnsFalse', () => {
    store.close();
    expect(store.ping()).toBe(false);
    store.close();
  });
});
