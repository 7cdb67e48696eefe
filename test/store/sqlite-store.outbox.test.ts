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
async function seed(id: string): Promise<AccessRequest> {
  const request = makeRequest({ id });
  const created = makeEvent(request, 'request.created');
  return await store.insertRequest(request, [created], [auditNote(request, created), dmNote(request, 'request.created')]);
}

function ref(requestId: string, role: MessageRef['role'], channel: string, ts: string): MessageRef {
  return { requestId, role, channel, ts };
}

describe('outbox', () => {
  it('pendingOutbox_returnsUndeliveredRowsInWriteOrderUpToTheLimit', async () => {
    const a = await seed('aaa222');
    const b = await seed('bbb222');

    const rows = await store.pendingOutbox(10);

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
    expect(await store.pendingOutbox(3)).toEqual(rows.slice(0, 3));
  });

  it('markRetry_countsTheAttemptAndKeepsTheRowPending', async () => {
    await seed('aaa222');
    const [first] = await store.pendingOutbox(10);

    await store.markRetry(first!.id, 'slack said ratelimited', now + 30_000);
    await store.markRetry(first!.id, 'slack said internal_error', now + 90_000);

    expect((await store.pendingOutbox(10))[0]).toMatchObject({
      id: first!.id,
      attempts: 2,
      lastError: 'slack said internal_error',
      nextAttemptAt: now + 90_000,
    });
  });

  it('markRetry_truncatesTheErrorTo500Characters', async () => {
    await seed('aaa222');
    const [first] = await store.pendingOutbox(10);

    await store.markRetry(first!.id, `${'x'.repeat(499)}😀${'y'.repeat(100)}`, now);

    // The emoji would straddle the cut; it is dropped rather than split in half.
    expect((await store.pendingOutbox(10))[0]!.lastError).toBe('x'.repeat(499));
  });

  it('markDelivered_removesTheRowFromPendingAndStoresTheRefs', async () => {
    await seed('aaa222');
    const [first, second] = await store.pendingOutbox(10);

    await store.markDelivered(first!.id, [ref('aaa222', 'audit', 'C0AUDIT', '1700000000.000100')]);

    expect(await store.pendingOutbox(10)).toEqual([second]);
    expect(await store.messageRefs('aaa222')).toEqual([ref('aaa222', 'audit', 'C0AUDIT', '1700000000.000100')]);
    const db = new BetterSqlite3(path.join(dir, 'jit.db'), { readonly: true });
    // delivered_at comes from the injected clock, not the wall clock.
    expect(db.prepare('SELECT delivered_at FROM outbox WHERE id = ?').pluck().get(first!.id)).toBe(now);
    db.close();
  });

  it('markDelivered_withARefForTheSameRoleAndChannel_replacesItsTs', async () => {
    await seed('aaa222');
    const [first, second] = await store.pendingOutbox(10);
    await store.markDelivered(first!.id, [ref('aaa222', 'approval', 'C0APPROVE', '1.000100'), ref('aaa222', 'approval', 'D0DM', '1.000200')]);

    await store.markDelivered(second!.id, [ref('aaa222', 'approval', 'C0APPROVE', '2.000100')]);

    expect(await store.messageRefs('aaa222')).toEqual([ref('aaa222', 'approval', 'C0APPROVE', '2.000100'), ref('aaa222', 'approval', 'D0DM', '1.000200')]);
  });

  it('markDelivered_whenARefIsInvalid_leavesTheRowPending', async () => {
    await seed('aaa222');
    const [first] = await store.pendingOutbox(10);
    const bad = { ...ref('aaa222', 'audit', 'C0AUDIT', '1.1'), role: 'banner' } as unknown as MessageRef;

    await expect(store.markDelivered(first!.id, [ref('aaa222', 'audit', 'C0AUDIT', '1.0'), bad])).rejects.toThrow(JitError);

    expect((await store.pendingOutbox(10))[0]!.id).toBe(first!.id);
    expect(await store.messageRefs('aaa222')).toEqual([]);
  });

  it('markDelivered_andMarkRetry_onAnUnknownRow_throw', async () => {
    await expect(store.markDelivered(4242, [])).rejects.toThrow(/outbox row 4242 does not exist/);
    await expect(store.markRetry(4242, 'boom', now)).rejects.toThrow(/outbox row 4242 does not exist/);
  });

  it('markRetry_afterDelivery_isIgnored', async () => {
    await seed('aaa222');
    const [first] = await store.pendingOutbox(10);
    await store.markDelivered(first!.id, []);

    await store.markRetry(first!.id, 'late duplicate worker', now);

    expect((await store.pendingOutbox(10)).map((row) => row.id)).not.toContain(first!.id);
  });

  it('messageRefs_returnsOnlyThatRequestsRefs', async () => {
    await seed('aaa222');
    await seed('bbb222');
    const [first] = await store.pendingOutbox(10);
    await store.markDelivered(first!.id, [ref('aaa222', 'audit', 'C0AUDIT', '1.1'), ref('bbb222', 'audit', 'C0AUDIT', '2.2')]);

    expect(await store.messageRefs('bbb222')).toEqual([ref('bbb222', 'audit', 'C0AUDIT', '2.2')]);
    expect(await store.messageRefs('ccc222')).toEqual([]);
  });
});

describe('auditEvents', () => {
  it('auditEvents_returnsEveryEventOldestFirst_orOneRequests', async () => {
    const a = await seed('aaa222');
    const b = await seed('bbb222');
    const bare = makeEvent(a, 'request.cancelled', { detail: undefined });
    await store.transition(a, { ...a, state: 'cancelled' }, [bare], []);

    expect((await store.auditEvents()).map((e) => [e.requestId, e.name])).toEqual([
      ['aaa222', 'request.created'],
      ['bbb222', 'request.created'],
      ['aaa222', 'request.cancelled'],
    ]);
    expect(await store.auditEvents('bbb222')).toEqual([makeEvent(b, 'request.created')]);
    expect((await store.auditEvents('aaa222'))[1]).toStrictEqual({ requestId: 'aaa222', name: 'request.cancelled', actor: 'U0ACTOR', at: a.createdAt });
  });
});

describe('liveness', () => {
  it('ping_whenOpen_returnsTrue', async () => {
    expect(await store.ping()).toBe(true);
  });

  it('ping_afterClose_returnsFalse', async () => {
    store.close();
    expect(await store.ping()).toBe(false);
    store.close();
  });
});
