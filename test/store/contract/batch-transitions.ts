// Several transitions in one transaction (`transitions`): the grants that end
// together. Each item is its own compare-and-swap with its own audit events and
// outbox rows; a lost one writes nothing and the others still land; a failing
// one stores nothing of the batch; the audit chain stays one line.

import { beforeEach, describe, expect, it } from 'vitest';
import { JitError } from '../../../src/domain/errors.js';
import type { AccessRequest } from '../../../src/domain/types.js';
import type { Store, TransitionItem } from '../../../src/ports/store.js';
import { auditNote, dmNote, makeEvent, moved, seedRequest } from '../fixtures.js';
import type { Contract } from './engine.js';

const IDS = ['aaa222', 'bbb333', 'ccc444'];

/** active → closing of `request`, as the expiry writes it. */
function closingOf(request: AccessRequest): TransitionItem {
  const next = moved(request, { state: 'closing' });
  const event = makeEvent(next, 'grant.closing', { actor: 'system', detail: 'expired' });
  return { expected: request, next, events: [event], notifications: [auditNote(next, event)] };
}

/** closing → closed, with the requester's DM. */
function closedOf(request: AccessRequest): TransitionItem {
  const next = moved(request, { state: 'closed' });
  const event = makeEvent(next, 'grant.closed', { actor: 'system', detail: 'expired' });
  return { expected: request, next, events: [event], notifications: [auditNote(next, event), dmNote(next, 'grant.closed')] };
}

export function batchTransitionsContract(c: Contract): void {
  describe('transitions', () => {
    let store: Store;
    let active: AccessRequest[];
    beforeEach(async () => {
      store = await c.open();
      active = [];
      for (const id of IDS) active.push(await seedRequest(store, { id, state: 'active' }));
    });

    it('transitions_storesEachLikeTransitionWouldWithItsEventsAndRows', async () => {
      const stored = await store.transitions(active.map(closingOf));

      expect(stored.map((r) => [r?.id, r?.state, r?.version])).toEqual(IDS.map((id) => [id, 'closing', 2]));
      for (const id of IDS) expect((await store.getRequest(id))?.state).toBe('closing');
      expect((await store.auditEvents()).filter((e) => e.name === 'grant.closing').map((e) => e.requestId)).toEqual(IDS);
      const rows = (await store.pendingOutbox(100)).filter((row) => row.notification.kind === 'audit' && row.notification.event.name === 'grant.closing');
      expect(rows.map((row) => row.requestId).sort()).toEqual(IDS);
      expect(await store.verifyAuditChain()).toMatchObject({ ok: true, rows: 6 });
    });

    it('transitions_whenOneRowMovedOn_skipsItAloneAndStoresTheOthers', async () => {
      // Another writer closed bbb333 first: its CAS is lost, as a single transition's would be.
      await store.transition(active[1]!, moved(active[1]!, { state: 'closing' }), [], []);
      const before = (await store.auditEvents()).length;

      const stored = await store.transitions(active.map(closingOf));

      expect(stored.map((r) => r?.id)).toEqual(['aaa222', undefined, 'ccc444']);
      expect((await store.getRequest('bbb333'))?.version).toBe(2);
      const written = (await store.auditEvents()).slice(before);
      expect(written.map((e) => e.requestId)).toEqual(['aaa222', 'ccc444']);
      expect(
        (await store.pendingOutbox(100)).some(
          (row) => row.requestId === 'bbb333' && row.notification.kind === 'audit' && row.notification.event.name === 'grant.closing',
        ),
      ).toBe(false);
      expect((await store.verifyAuditChain()).ok).toBe(true);
    });

    it('transitions_whenOneItemFails_storesNothingOfTheBatch', async () => {
      const items = active.map(closingOf);
      // An event naming a request that does not exist violates the foreign key.
      const orphan = makeEvent(moved(active[2]!, { id: 'zzz999' }), 'grant.closing');
      items[2] = { ...items[2]!, events: [orphan] };
      const eventsBefore = await store.auditEvents();
      const rowsBefore = await store.pendingOutbox(100);

      await expect(store.transitions(items)).rejects.toThrow(JitError);

      for (const request of active) expect(await store.getRequest(request.id)).toEqual(request);
      expect(await store.auditEvents()).toEqual(eventsBefore);
      expect(await store.pendingOutbox(100)).toEqual(rowsBefore);
      // Nothing was half-written: the same batch without the bad item lands whole afterwards.
      expect((await store.transitions(active.slice(0, 2).map(closingOf))).map((r) => r?.state)).toEqual(['closing', 'closing']);
      expect((await store.verifyAuditChain()).ok).toBe(true);
    });

    it('transitions_inTwoSteps_keepOneAuditChainWithEveryGrantClosedOnce', async () => {
      const closing = (await store.transitions(active.map(closingOf))) as AccessRequest[];
      const closed = await store.transitions(closing.map(closedOf));
      // A second batch of the same closes is stale: nothing more is written.
      const again = await store.transitions(closing.map(closedOf));

      expect(closed.map((r) => r?.state)).toEqual(['closed', 'closed', 'closed']);
      expect(again).toEqual([undefined, undefined, undefined]);
      const names = (await store.auditEvents()).map((e) => `${e.requestId} ${e.name}`);
      for (const id of IDS) expect(names.filter((n) => n === `${id} grant.closed`)).toHaveLength(1);
      expect(await store.verifyAuditChain()).toMatchObject({ ok: true, rows: 9 });
    });

    it('transitions_withTheSameRequestTwice_storesTheFirstAndLosesTheSecond_likeTwoWritersWould', async () => {
      // No savepoint per item: the second CAS sees the first's write in the same transaction and loses, writing nothing.
      const first = closingOf(active[0]!);
      const second = { ...closingOf(active[0]!), next: moved(active[0]!, { state: 'closing', reason: 'revoked' }) };
      const before = (await store.auditEvents()).length;

      const stored = await store.transitions([first, closingOf(active[1]!), second]);

      expect(stored.map((r) => r?.id)).toEqual(['aaa222', 'bbb333', undefined]);
      expect((await store.getRequest('aaa222'))?.version).toBe(2);
      expect((await store.auditEvents()).slice(before).map((e) => e.requestId)).toEqual(['aaa222', 'bbb333']);
      expect(await store.verifyAuditChain()).toMatchObject({ ok: true, rows: 5 });
    });

    it('transitions_thenSingleWrites_chainOnTheBatchsLastEvent', async () => {
      await store.transition(active[1]!, moved(active[1]!, { state: 'closing' }), [], []);
      const stored = await store.transitions(active.map(closingOf));
      const [closing] = stored as AccessRequest[];
      // A write after the batch links to the batch's last event, whichever items won.
      await store.transition(closing!, moved(closing!, { state: 'closed' }), [makeEvent(moved(closing!, { state: 'closed' }), 'grant.closed')], []);
      await store.transitions([closedOf(stored[2]!)]);

      expect(await store.verifyAuditChain()).toMatchObject({ ok: true, rows: 7 });
    });

    it('transitions_ofNothing_writesNothing', async () => {
      expect(await store.transitions([])).toEqual([]);
      expect((await store.auditEvents()).length).toBe(3);
    });

    it('transitions_withAMismatchedId_isRefusedBeforeAnythingIsWritten', async () => {
      const items = active.map(closingOf);
      items[1] = { ...items[1]!, next: { ...items[1]!.next, id: 'ccc444' } };

      await expect(store.transitions(items)).rejects.toMatchObject({ code: 'jit_store_failed' });
      expect((await store.getRequest('aaa222'))?.state).toBe('active');
    });
  });
}
