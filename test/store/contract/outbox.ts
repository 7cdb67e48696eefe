// The outbox the worker delivers: pending rows in write order, retries,
// delivery with the message refs it leaves, and the journal of each row's posts.

import { beforeEach, describe, expect, it } from 'vitest';
import { JitError } from '../../../src/domain/errors.js';
import type { AccessRequest } from '../../../src/domain/types.js';
import type { MessageRef } from '../../../src/ports/notifier.js';
import type { OutboxRow, Store } from '../../../src/ports/store.js';
import { auditNote, dmNote, makeEvent, makeRequest } from '../fixtures.js';
import type { Contract } from './engine.js';

function ref(requestId: string, role: MessageRef['role'], channel: string, ts: string): MessageRef {
  return { requestId, role, channel, ts };
}

export function outboxContract(c: Contract): void {
  let store: Store;
  let now: number;
  const openStore = async () => {
    now = 1_800_000_000_000;
    store = await c.open({ clock: { now: () => now } });
  };

  /** A request whose creation queued an audit post and a DM, in that order. */
  async function seed(id: string): Promise<AccessRequest> {
    const request = makeRequest({ id });
    const created = makeEvent(request, 'request.created');
    return await store.insertRequest(request, [created], [auditNote(request, created), dmNote(request, 'request.created')]);
  }

  describe('outbox', () => {
    beforeEach(openStore);

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

  describe('post journal', () => {
    /** A new request's audit row: the outbox row whose posts these tests journal. */
    async function auditRowIn(s: Store): Promise<OutboxRow | undefined> {
      const request = makeRequest();
      const created = makeEvent(request, 'request.created');
      await s.insertRequest(request, [created], [auditNote(request, created)]);
      const [row] = await s.pendingOutbox(10);
      return row;
    }

    it('claimThenRecord_keepsTheFirstClaimTime_andRecordWins', async () => {
      const s = await c.open();
      const row = await auditRowIn(s);

      await s.claimPost(row!.id, 'audit', 'CAUDIT', 1000);
      await s.claimPost(row!.id, 'audit', 'CAUDIT', 2000);
      expect(await s.outboxPosts(row!.id)).toEqual([{ step: 'audit', channel: 'CAUDIT', claimedAt: 1000 }]);

      await s.recordPost(row!.id, 'audit', 'CAUDIT', '1800000000.000100');
      // A late claim (a duplicate worker) must not erase what was recorded.
      await s.claimPost(row!.id, 'audit', 'COTHER', 3000);
      expect(await s.outboxPosts(row!.id)).toEqual([{ step: 'audit', channel: 'CAUDIT', claimedAt: 1000, ts: '1800000000.000100' }]);
    });

    it('markDelivered_withPosts_recordsTheirTs_withTheDelivery', async () => {
      const s = await c.open({ clock: { now: () => 7000 } });
      const row = await auditRowIn(s);
      await s.claimPost(row!.id, 'audit', 'CAUDIT', 1000);

      await s.markDelivered(
        row!.id,
        [ref('abc234', 'audit', 'CAUDIT', '1.1')],
        [
          { step: 'audit', channel: 'CAUDIT', ts: '1.1' },
          // Never claimed (a post found by its metadata after a lost claim): the delivery's time is its claim time.
          { step: 'reply', channel: 'CAUDIT', ts: '1.2' },
        ],
      );

      expect(await s.pendingOutbox(10)).toEqual([]);
      expect(await s.outboxPosts(row!.id)).toEqual([
        { step: 'audit', channel: 'CAUDIT', claimedAt: 1000, ts: '1.1' },
        { step: 'reply', channel: 'CAUDIT', claimedAt: 7000, ts: '1.2' },
      ]);
    });

    it('markDelivered_withPosts_whenARefIsInvalid_recordsNothing', async () => {
      const s = await c.open();
      const row = await auditRowIn(s);
      await s.claimPost(row!.id, 'audit', 'CAUDIT', 1000);
      const bad = { ...ref('abc234', 'audit', 'CAUDIT', '1.1'), role: 'banner' } as unknown as MessageRef;

      await expect(s.markDelivered(row!.id, [bad], [{ step: 'audit', channel: 'CAUDIT', ts: '1.1' }])).rejects.toThrow(JitError);

      // One transaction: the claim is as it was, the row still pending.
      expect(await s.outboxPosts(row!.id)).toEqual([{ step: 'audit', channel: 'CAUDIT', claimedAt: 1000 }]);
      expect((await s.pendingOutbox(10)).map((pending) => pending.id)).toEqual([row!.id]);
    });

    it('posts_areKeptPerRowAndStep_inTheOrderTheyWereClaimed', async () => {
      const s = await c.open();
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
}
