// Outbox claims (schema 6): several workers (replicas) share one outbox; each
// row is handed to one worker at a time, for a lease, and each queue (a
// request's rows of one lane, schema 7; the bot's own rows) is delivered in
// order, a failing row holding back its own lane only.

import { beforeEach, describe, expect, it } from 'vitest';
import type { SystemEvent } from '../../../src/domain/types.js';
import type { OutboxRow, Store } from '../../../src/ports/store.js';
import { approvalOf, auditNote, dmNote, makeEvent, makeRequest, moved } from '../fixtures.js';
import type { Contract } from './engine.js';

const NOW = 1_800_000_000_000;
const LEASE = 30_000;

export function claimsContract(c: Contract): void {
  let store: Store;

  /**
   * A request whose creation queued, in this order: its audit thread's root, a
   * DM to the requester, and an audit reply (two queues: the audit lane, the
   * requester lane). Resolves with the rows' ids in that order.
   */
  async function seed(id: string): Promise<number[]> {
    const request = makeRequest({ id });
    const created = makeEvent(request, 'request.created');
    const noted = makeEvent(request, 'request.approved');
    const before = (await store.pendingOutbox(1000)).length;
    await store.insertRequest(request, [created, noted], [auditNote(request, created), dmNote(request, 'request.created'), auditNote(request, noted)]);
    return (await store.pendingOutbox(1000)).slice(before).map((row) => row.id);
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

      // Each request's audit root and its DM (two lanes), not the audit reply behind the root; the bot's own row.
      expect(kinds(rows)).toEqual([
        ['aaa222', 'audit'],
        ['aaa222', 'requester_dm'],
        ['bbb222', 'audit'],
        ['bbb222', 'requester_dm'],
        [undefined, 'system'],
      ]);
      expect(rows[0]).toMatchObject({ attempts: 0, nextAttemptAt: 0 });
    });

    it('claimOutbox_aClaimedRowIsNotHandedToAnotherWorker_norAreTheRowsBehindIt', async () => {
      const [root, dm] = await seed('aaa222');
      expect((await store.claimOutbox('replica-a', NOW, LEASE, 10)).map((row) => row.id)).toEqual([root, dm]);

      expect(await store.claimOutbox('replica-b', NOW + LEASE - 1, LEASE, 10)).toEqual([]);
    });

    it('claimOutbox_theSameWorkerGetsItsClaimAgain', async () => {
      await seed('aaa222');
      const first = await store.claimOutbox('replica-a', NOW, LEASE, 10);

      expect((await store.claimOutbox('replica-a', NOW + 1, LEASE, 10)).map((row) => row.id)).toEqual(first.map((row) => row.id));
    });

    it('claimOutbox_aClaimWhoseLeaseRanOut_isTakenOverByAnotherWorker', async () => {
      const [root, dm] = await seed('aaa222');
      await store.claimOutbox('replica-a', NOW, LEASE, 10);

      const taken = await store.claimOutbox('replica-b', NOW + LEASE, LEASE, 10);

      expect(taken.map((row) => row.id)).toEqual([root, dm]);
      // And the old worker no longer has it.
      expect(await store.claimOutbox('replica-a', NOW + LEASE + 1, LEASE, 10)).toEqual([]);
    });

    it('markDelivered_endsTheClaim_andTheNextRowOfTheQueueBecomesClaimable_byAnyWorker', async () => {
      const [root, , reply] = await seed('aaa222');
      await store.claimOutbox('replica-a', NOW, LEASE, 10);
      await store.markDelivered(root!, []);

      const next = await store.claimOutbox('replica-b', NOW, LEASE, 10);

      // The audit reply, now its root is posted; the DM stays replica-a's.
      expect(next.map((row) => row.id)).toEqual([reply]);
    });

    it('markRetry_endsTheClaim_andHoldsItsLaneBackUntilTheRowIsDueAgain_butNotTheOtherLanes', async () => {
      const [root, dm, reply] = await seed('aaa222');
      await seed('bbb222');
      const [first] = await store.claimOutbox('replica-a', NOW, LEASE, 1);
      expect(first?.id).toBe(root);
      await store.markRetry(root!, 'not_in_channel', NOW + 5000);

      // aaa222's failed root holds its audit reply back, not its DM; bbb222 goes on.
      const meanwhile = await store.claimOutbox('replica-b', NOW + 4999, LEASE, 10);
      expect(kinds(meanwhile)).toEqual([
        ['aaa222', 'requester_dm'],
        ['bbb222', 'audit'],
        ['bbb222', 'requester_dm'],
      ]);
      expect(meanwhile[0]?.id).toBe(dm);
      const due = await store.claimOutbox('replica-c', NOW + 5000, LEASE, 10);
      expect(due.map((row) => row.id)).toEqual([root]);
      expect(due[0]).toMatchObject({ attempts: 1, lastError: 'not_in_channel' });
      await store.markDelivered(root!, []);
      expect((await store.claimOutbox('replica-c', NOW + 5000, LEASE, 10)).map((row) => row.id)).toEqual([reply]);
    });

    it('claimOutbox_respectsTheLimit_andLeavesTheRestForOthers', async () => {
      for (const id of ['aaa222', 'bbb222']) await seed(id);

      const a = await store.claimOutbox('replica-a', NOW, LEASE, 3);
      const b = await store.claimOutbox('replica-b', NOW, LEASE, 3);

      expect(kinds(a)).toEqual([
        ['aaa222', 'audit'],
        ['aaa222', 'requester_dm'],
        ['bbb222', 'audit'],
      ]);
      expect(kinds(b)).toEqual([['bbb222', 'requester_dm']]);
    });

    it('claimOutbox_concurrentWorkers_neverShareARow', async () => {
      for (let i = 0; i < 20; i++) await seed(`r${String(i).padStart(5, '0')}`);

      const claims = await Promise.all(['a', 'b', 'c', 'd'].map((worker) => store.claimOutbox(worker, NOW, LEASE, 100)));

      const ids = claims.flat().map((row) => row.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(40);
    });
  });

  describe('outbox lanes', () => {
    beforeEach(async () => {
      store = await c.open({ clock: { now: () => NOW } });
    });

    /** A row as the assertions read it. */
    const label = ({ notification: n }: OutboxRow): string =>
      n.kind === 'audit'
        ? `audit ${n.event.name}`
        : n.kind === 'approval_request'
          ? `approval_request ${n.target}`
          : n.kind === 'requester_dm'
            ? `dm ${n.event}`
            : n.kind;

    /** Claims at `at` as one worker, delivers every claimed row but those `failing` picks (retried a minute later); resolves with what it claimed. */
    async function round(at: number, failing: (row: OutboxRow) => boolean = () => false): Promise<string[]> {
      const rows = await store.claimOutbox('replica-a', at, LEASE, 100);
      for (const row of rows) {
        if (failing(row)) await store.markRetry(row.id, 'not_in_channel', at + 60_000);
        else await store.markDelivered(row.id, []);
      }
      return rows.map(label);
    }
    it('claimOutbox_anAuditPostThatKeepsFailing_holdsBackNeitherTheApprovalsNorTheDms_andEachLaneKeepsItsOrder', async () => {
      const request = makeRequest({ id: 'aaa222', state: 'pending' });
      const created = makeEvent(request, 'request.created');
      await store.insertRequest(
        request,
        [created],
        [
          auditNote(request, created),
          { kind: 'approval_request', target: 'U0APPROVE1', request },
          { kind: 'approval_request', target: 'U0APPROVE2', request },
          dmNote(request, 'request.created'),
        ],
      );
      const { next, events } = approvalOf(request);
      await store.transition({ id: request.id, state: 'pending', version: request.version }, next, events, [
        { kind: 'approval_update', request: next },
        auditNote(next, events[0]!),
        dmNote(next, 'request.approved'),
      ]);
      const auditFails = (row: OutboxRow) => row.notification.kind === 'audit';

      expect(await round(NOW, auditFails)).toEqual(['audit request.created', 'approval_request U0APPROVE1', 'dm request.created']);
      expect(await round(NOW, auditFails)).toEqual(['approval_request U0APPROVE2', 'dm request.approved']);
      expect(await round(NOW, auditFails)).toEqual(['approval_update']);
      // The audit reply waits behind its root, however long the root fails.
      expect(await round(NOW, auditFails)).toEqual([]);

      // The root goes out once it is due and Slack takes it; then its reply.
      expect(await round(NOW + 60_000)).toEqual(['audit request.created']);
      expect(await round(NOW + 60_000)).toEqual(['audit request.approved']);
      expect(await store.pendingOutbox(1000)).toEqual([]);
    });

    it('claimOutbox_aBreakGlassAlertsUpdate_waitsForTheAlert_inTheAuditLane', async () => {
      const request = makeRequest({
        id: 'bbb222',
        state: 'active',
        decision: { effect: 'break_glass', approvalsNeeded: 0, approvers: [], matchedRule: 'glass', reasons: [] },
      });
      await store.insertRequest(
        request,
        [],
        [
          { kind: 'break_glass', request },
          dmNote(request, 'grant.opened'),
          { kind: 'approval_update', request: moved(request, { acknowledgedBy: 'U0APPROVE1' }) },
        ],
      );
      const alertFails = (row: OutboxRow) => row.notification.kind === 'break_glass';

      expect(await round(NOW, alertFails)).toEqual(['break_glass', 'dm grant.opened']);
      expect(await round(NOW, alertFails)).toEqual([]);
      expect(await round(NOW + 60_000)).toEqual(['break_glass']);
      expect(await round(NOW + 60_000)).toEqual(['approval_update']);
    });

    it('outboxStats_countsTheUndeliveredRows_andWhenTheOldestWasQueued', async () => {
      let now = NOW;
      store = await c.open({ clock: { now: () => now } });
      expect(await store.outboxStats(now)).toEqual({ pending: 0, oldestAt: undefined });

      const [root] = await seed('aaa222');
      now += 7000;
      await seed('bbb222');

      expect(await store.outboxStats(now)).toEqual({ pending: 6, oldestAt: NOW });
      // Delivered rows leave the backlog, the oldest waiting row is the next one's.
      await store.markDelivered(root!, []);
      expect(await store.outboxStats(now)).toEqual({ pending: 5, oldestAt: NOW });
      for (const row of await store.pendingOutbox(1000)) if (row.requestId === 'aaa222') await store.markDelivered(row.id, []);
      expect(await store.outboxStats(now)).toEqual({ pending: 3, oldestAt: NOW + 7000 });
      // Another replica's clock behind this row's: no negative age.
      expect(await store.outboxStats(NOW)).toEqual({ pending: 3, oldestAt: NOW });
      for (const row of await store.pendingOutbox(1000)) await store.markDelivered(row.id, []);
      expect(await store.outboxStats(now)).toEqual({ pending: 0, oldestAt: undefined });
    });
  });
}
