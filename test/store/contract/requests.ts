// The request store's contract: insert, read, compare-and-swap transitions
// with their side effects written whole or not at all, and the two queries.

import { describe, expect, it } from 'vitest';
import { JitError } from '../../../src/domain/errors.js';
import type { AuditEvent } from '../../../src/domain/types.js';
import type { Notification } from '../../../src/ports/notifier.js';
import type { RequestFilter, Store } from '../../../src/ports/store.js';
import { auditNote, dmNote, makeEvent, makeRequest, moved } from '../fixtures.js';
import type { Contract } from './engine.js';
import { approvalOf as approve, seedRequest as seed } from '../fixtures.js';

export function requestsContract(c: Contract): void {
  describe('insertRequest / getRequest', () => {
    it('insertRequest_thenGetRequest_returnsEveryFieldUnchanged', async () => {
      const store = await c.open();
      const request = makeRequest();

      const stored = await store.insertRequest(request, [], []);

      expect(stored).toEqual(request);
      expect(await store.getRequest(request.id)).toEqual(request);
    });

    it('insertRequest_withoutOptionalFields_returnsThemAbsent', async () => {
      const store = await c.open();
      const { decidedBy, startAt, endAt, reason, ...bare } = makeRequest();
      void [decidedBy, startAt, endAt, reason];

      await store.insertRequest(bare, [], []);

      expect(await store.getRequest(bare.id)).toStrictEqual(bare);
    });

    it('insertRequest_writesItsEventsAndNotifications', async () => {
      const store = await c.open();
      const request = await seed(store);

      expect(await store.auditEvents(request.id)).toEqual([makeEvent(request, 'request.created')]);
      expect((await store.pendingOutbox(10)).map((row) => row.notification.kind)).toEqual(['audit']);
    });

    it('insertRequest_whenTheIdExists_throwsDuplicateIdAndWritesNothing', async () => {
      const store = await c.open();
      const original = await seed(store);
      const impostor = makeRequest({ requester: 'U0OTHER', vm: 'db-01' });
      const event = makeEvent(impostor, 'request.created', { actor: 'U0OTHER' });

      let thrown: unknown;
      try {
        await store.insertRequest(impostor, [event], [auditNote(impostor, event)]);
      } catch (error) {
        thrown = error;
      }

      expect(thrown).toBeInstanceOf(JitError);
      expect(thrown).toMatchObject({ code: 'jit_store_failed', message: 'request id already exists', cause: 'duplicate_id' });
      expect(await store.getRequest(original.id)).toEqual(original);
      expect(await store.auditEvents()).toHaveLength(1);
      expect(await store.pendingOutbox(10)).toHaveLength(1);
    });

    it('insertRequest_whenAnEventNamesAnUnknownRequest_writesNothing', async () => {
      const store = await c.open();
      const request = makeRequest();
      // foreign_keys = ON: an event for a request that does not exist is refused,
      // and the request row written before it is rolled back with it.
      const orphan = makeEvent(makeRequest({ id: 'zzz999' }), 'request.created');

      await expect(store.insertRequest(request, [orphan], [])).rejects.toThrow(JitError);
      expect(await store.getRequest(request.id)).toBeUndefined();
    });

    it('getRequest_whenMissing_returnsUndefined', async () => {
      expect(await (await c.open()).getRequest('nope22')).toBeUndefined();
    });
  });

  describe('transition', () => {
    it('transition_whenExpectedMatches_storesNextWithVersionBumpedAndItsSideEffects', async () => {
      const store = await c.open();
      const request = await seed(store);
      const { next, events, notes } = approve(request);

      const stored = await store.transition(request, { ...next, version: 999 }, events, notes);

      const expected = { ...next, version: request.version + 1 };
      expect(stored).toEqual(expected);
      expect(await store.getRequest(request.id)).toEqual(expected);
      expect((await store.auditEvents(request.id)).map((e) => e.name)).toEqual(['request.created', 'request.approved']);
      expect((await store.pendingOutbox(10)).map((row) => row.notification.kind)).toEqual(['audit', 'audit', 'requester_dm']);
    });

    it('transition_whenVersionIsStale_writesNothing', async () => {
      const store = await c.open();
      const request = await seed(store);
      const first = approve(request);
      const winner = await store.transition(request, first.next, first.events, first.notes);

      // A second approver who read the request before the first click landed.
      const late = moved(request, { state: 'denied', decidedBy: 'U0LATE' });
      const lateEvent = makeEvent(request, 'request.denied');
      const result = await store.transition(request, late, [lateEvent], [auditNote(late, lateEvent)]);

      expect(result).toBeUndefined();
      expect(await store.getRequest(request.id)).toEqual(winner);
      expect((await store.auditEvents(request.id)).map((e) => e.name)).toEqual(['request.created', 'request.approved']);
      expect(await store.pendingOutbox(10)).toHaveLength(3);
    });

    it('transition_whenStateDiffersAtTheSameVersion_writesNothing', async () => {
      const store = await c.open();
      const request = await seed(store);
      const { next, events, notes } = approve(request);

      expect(await store.transition({ ...request, state: 'approved' }, next, events, notes)).toBeUndefined();
      expect(await store.getRequest(request.id)).toEqual(request);
      expect(await store.auditEvents(request.id)).toHaveLength(1);
    });

    it('transition_whenTheRequestDoesNotExist_returnsUndefined', async () => {
      const store = await c.open();
      const ghost = makeRequest({ id: 'ghost2' });
      expect(await store.transition(ghost, moved(ghost, { state: 'approved' }), [], [])).toBeUndefined();
    });

    it('transition_whenAnEventBreaksAConstraint_leavesTheStateUnchanged', async () => {
      const store = await c.open();
      const request = await seed(store);
      const { next, notes } = approve(request);
      const broken = { ...makeEvent(request, 'request.approved'), name: null } as unknown as AuditEvent;

      await expect(store.transition(request, next, [makeEvent(request, 'request.approved'), broken], notes)).rejects.toThrow(JitError);

      expect(await store.getRequest(request.id)).toEqual(request);
      expect(await store.auditEvents(request.id)).toHaveLength(1);
      expect(await store.pendingOutbox(10)).toHaveLength(1);
    });

    it('transition_whenANotificationCannotBeSerialised_leavesTheStateUnchanged', async () => {
      const store = await c.open();
      const request = await seed(store);
      const { next, events } = approve(request);
      // JSON.stringify throws on a BigInt; the request row was already updated by then.
      const poisoned = { ...dmNote(next, 'request.approved'), extra: 1n } as unknown as Notification;

      await expect(store.transition(request, next, events, [auditNote(next, events[0]!), poisoned])).rejects.toThrow(JitError);

      expect(await store.getRequest(request.id)).toEqual(request);
      expect(await store.auditEvents(request.id)).toHaveLength(1);
      expect(await store.pendingOutbox(10)).toHaveLength(1);
    });

    it('transition_whenNextChangesTheId_isRefused', async () => {
      const store = await c.open();
      const request = await seed(store);
      await expect(store.transition(request, moved(request, { id: 'other2', state: 'approved' }), [], [])).rejects.toThrow(/was given request other2/);
      expect(await store.getRequest(request.id)).toEqual(request);
    });
  });

  describe('dueForClose', () => {
    it('dueForClose_returnsActiveRequestsPastTheirEndAndEveryClosingOne', async () => {
      const store = await c.open();
      const now = 1_700_010_000_000;
      await seed(store, { id: 'due222', state: 'active', endAt: now - 1 });
      await seed(store, { id: 'edge22', state: 'active', endAt: now });
      await seed(store, { id: 'later2', state: 'active', endAt: now + 1 });
      await seed(store, { id: 'closn2', state: 'closing', endAt: now + 60_000 });
      await seed(store, { id: 'done22', state: 'closed', endAt: now - 60_000 });
      await seed(store, { id: 'pend22', state: 'pending', endAt: now - 60_000 });

      expect((await store.dueForClose(now)).map((r) => r.id)).toEqual(['due222', 'edge22', 'closn2']);
    });

    it('dueForClose_includesAnActiveRequestWithoutEndTime', async () => {
      const store = await c.open();
      const { endAt, ...noEnd } = makeRequest({ id: 'noend2', state: 'active' });
      void endAt;
      await store.insertRequest(noEnd, [], []);

      expect((await store.dueForClose(0)).map((r) => r.id)).toEqual(['noend2']);
    });

    it('dueForClose_ordersByEndTime_withoutEndTimeFirst_thenById', async () => {
      const store = await c.open();
      await seed(store, { id: 'late22', state: 'closing', endAt: 5000 });
      await seed(store, { id: 'bbb222', state: 'active', endAt: 1000 });
      await seed(store, { id: 'aaa222', state: 'closing', endAt: 1000 });
      const { endAt, ...noEnd } = makeRequest({ id: 'zzz222', state: 'active' });
      void endAt;
      await store.insertRequest(noEnd, [], []);

      expect((await store.dueForClose(2000)).map((r) => r.id)).toEqual(['zzz222', 'aaa222', 'bbb222', 'late22']);
    });
  });

  describe('listRequests', () => {
    async function seedMany(store: Store): Promise<void> {
      await seed(store, { id: 'old222', requester: 'U1', vm: 'web-01', state: 'closed', createdAt: 1000 });
      await seed(store, { id: 'mid222', requester: 'U1', vm: 'db-01', state: 'active', createdAt: 2000 });
      await seed(store, { id: 'new222', requester: 'U2', vm: 'web-01', state: 'pending', createdAt: 3000 });
      await seed(store, { id: 'new333', requester: 'U1', vm: 'web-01', state: 'pending', createdAt: 3000 });
    }

    const cases: Array<[string, RequestFilter, string[]]> = [
      ['noFilter_returnsAllNewestFirst', {}, ['new333', 'new222', 'mid222', 'old222']],
      ['byRequester_returnsOnlyTheirs', { requester: 'U1' }, ['new333', 'mid222', 'old222']],
      ['byStates_returnsThoseStates', { states: ['pending', 'active'] }, ['new333', 'new222', 'mid222']],
      ['byVm_returnsThatVm', { vm: 'web-01' }, ['new333', 'new222', 'old222']],
      ['byAllThree_combinesThem', { requester: 'U1', states: ['pending', 'closed'], vm: 'web-01' }, ['new333', 'old222']],
      ['byEmptyStates_returnsNothing', { states: [] }, []],
      ['byUnknownRequester_returnsNothing', { requester: 'U404' }, []],
    ];

    it.each(cases)('listRequests_%s', async (_name, filter, ids) => {
      const store = await c.open();
      await seedMany(store);
      expect((await store.listRequests(filter)).map((r) => r.id)).toEqual(ids);
    });

    it('listRequests_byExtends_returnsThatRequestsExtensions_newestFirst', async () => {
      const store = await c.open();
      await seed(store, { id: 'orig22', state: 'active' });
      await seed(store, { id: 'ext111', extends: 'orig22', createdAt: 1000 });
      await seed(store, { id: 'ext222', extends: 'orig22', createdAt: 2000 });
      await seed(store, { id: 'ext333', extends: 'other2', createdAt: 3000 });

      expect((await store.listRequests({ extends: 'orig22' })).map((r) => [r.id, r.kind])).toEqual([
        ['ext222', 'extension'],
        ['ext111', 'extension'],
      ]);
      expect(await store.listRequests({ extends: 'ext111' })).toEqual([]);
    });
  });
}
