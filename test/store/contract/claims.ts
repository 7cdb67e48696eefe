// Outbox claims (schema 6): several workers (replicas) share one outbox; each
// row is handed to one worker at a time, for a lease, and each queue (a
// request's rows, the bot's own rows) is delivered in order.

import { beforeEach, describe, expect, it } from 'vitest';
import type { SystemEvent } from '../../../src/domain/types.js';
import type { Store } from '../../../src/ports/store.js';
import { auditNote, dmNote, makeEvent, makeRequest } from '../fixtures.js';
import type { Contract } from './engine.js';

const NOW = 1_800_000_000_000;
const LEASE = 30_000;

export function claimsContract(c: Contract): void {
  let store: Store;

  /** A request whose creation queued an audit post and a DM, in that order. */
  async function seed(id: string): Promise<void> {
    const request = makeRequest({ id });
    const created = makeEvent(request, 'request.created');
    await store.insertRequest(request, [created], [auditNote(request, created), dmNote(request, 'request.created')]);
  }

  const driftEvent: SystemEvent = { name: 'drift.orphan_closed', actor: 'system', at: NOW, detail: 'orphan rule' };
  const kinds = (rows: Array<{ requestId?: string; notification: { kind: string } }>) => rows.map((row) => [row.requestId, row.notification.kind]);

  describe('outbox claims', () => {
    beforeEach(async () => {
      store = await c.open({ clock: { now: () => NOW } });
    });

    it('claimOutbox_handsOutTheHeadOfEachQueueOnly_oldestFirst', async () => {
      await seed('aaa222');
      await seed('bbb222');
      await store.recordSystemEvent(driftEvent, [{ kind: 'system', event: driftEvent }]);

      const rows = await store.claimOutbox('replica-a', NOW, LEASE, 10);

      expect(kinds(rows)).toEqual([
        ['aaa222', 'audit'],
        ['bbb222', 'audit'],
        [undefined, 'system'],
      ]);
      expect(rows[0]).toMatchObject({ attempts: 0, nextAttemptAt: 0 });
    });

    it('claimOutbox_aClaimedRowIsNotHandedToAnotherWorker_norAreTheRowsBehindIt', async () => {
      await seed('aaa222');
      expect(kinds(await store.claimOutbox('replica-a', NOW, LEASE, 10))).toEqual([['aaa222', 'audit']]);

      expect(await store.claimOutbox('replica-b', NOW + LEASE - 1, LEASE, 10)).toEqual([]);
    });

    it('claimOutbox_theSameWorkerGetsItsClaimAgain', async () => {
      await seed('aaa222');
      const [first] = await store.claimOutbox('replica-a', NOW, LEASE, 10);

      expect((await store.claimOutbox('replica-a', NOW + 1, LEASE, 10)).map((row) => row.id)).toEqual([first!.id]);
    });

    it('claimOutbox_aClaimWhoseLeaseRanOut_isTakenOverByAnotherWorker', async () => {
      await seed('aaa222');
      const [first] = await store.claimOutbox('replica-a', NOW, LEASE, 10);

      const taken = await store.claimOutbox('replica-b', NOW + LEASE, LEASE, 10);

      expect(taken.map((row) => row.id)).toEqual([first!.id]);
      // And the old worker no longer has it.
      expect(await store.claimOutbox('replica-a', NOW + LEASE + 1, LEASE, 10)).toEqual([]);
    });

    it('markDelivered_endsTheClaim_andTheNextRowOfTheQueueBecomesClaimable_byAnyWorker', async () => {
      await seed('aaa222');
      const [first] = await store.claimOutbox('replica-a', NOW, LEASE, 10);
      await store.markDelivered(first!.id, []);

      const next = await store.claimOutbox('replica-b', NOW, LEASE, 10);

      expect(kinds(next)).toEqual([['aaa222', 'requester_dm']]);
    });

    it('markRetry_endsTheClaim_andHoldsTheQueueBackUntilTheRowIsDueAgain', async () => {
      await seed('aaa222');
      await seed('bbb222');
      const [first] = await store.claimOutbox('replica-a', NOW, LEASE, 1);
      await store.markRetry(first!.id, 'slack down', NOW + 5000);

      // aaa222's failed head holds its DM back; bbb222 goes on.
      expect(kinds(await store.claimOutbox('replica-b', NOW + 4999, LEASE, 10))).toEqual([['bbb222', 'audit']]);
      const due = await store.claimOutbox('replica-c', NOW + 5000, LEASE, 10);
      expect(kinds(due)).toEqual([['aaa222', 'audit']]);
      expect(due[0]).toMatchObject({ attempts: 1, lastError: 'slack down' });
    });

    it('claimOutbox_respectsTheLimit_andLeavesTheRestForOthers', async () => {
      for (const id of ['aaa222', 'bbb222', 'ccc222']) await seed(id);

      const a = await store.claimOutbox('replica-a', NOW, LEASE, 2);
      const b = await store.claimOutbox('replica-b', NOW, LEASE, 2);

      expect(kinds(a)).toEqual([
        ['aaa222', 'audit'],
        ['bbb222', 'audit'],
      ]);
      expect(kinds(b)).toEqual([['ccc222', 'audit']]);
    });

    it('claimOutbox_concurrentWorkers_neverShareARow', async () => {
      for (let i = 0; i < 20; i++) await seed(`r${String(i).padStart(5, '0')}`);

      const claims = await Promise.all(['a', 'b', 'c', 'd'].map((worker) => store.claimOutbox(worker, NOW, LEASE, 100)));

      const ids = claims.flat().map((row) => row.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(20);
    });
  });
}
