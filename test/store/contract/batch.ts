// A batch: several requests inserted whole or not at all, and listed in the
// order they were asked for.

import { beforeEach, describe, expect, it } from 'vitest';
import { JitError } from '../../../src/domain/errors.js';
import type { AccessRequest } from '../../../src/domain/types.js';
import type { NewRequest, Store } from '../../../src/ports/store.js';
import { auditNote, makeEvent, makeRequest } from '../fixtures.js';
import type { Contract } from './engine.js';

function item(request: AccessRequest): NewRequest {
  const created = makeEvent(request, 'request.created');
  return { request, events: [created], notifications: [auditNote(request, created)] };
}

export function batchContract(c: Contract): void {
  let store: Store;
  const openStore = async () => {
    store = await c.open();
  };

  describe('insertRequests', () => {
    beforeEach(openStore);

    it('insertRequests_storesEveryMemberWithItsEventsAndNotifications', async () => {
      const members = ['lead22', 'mem333', 'mem444'].map((id, i) => makeRequest({ id, vm: `vm-${i}`, batchId: 'lead22' }));
      const stored = await store.insertRequests(members.map(item));

      expect(stored).toEqual(members);
      for (const member of members) expect(await store.getRequest(member.id)).toEqual(member);
      expect((await store.auditEvents()).map((e) => e.requestId)).toEqual(['lead22', 'mem333', 'mem444']);
      expect((await store.pendingOutbox(10)).map((row) => row.requestId)).toEqual(['lead22', 'mem333', 'mem444']);
    });

    it('insertRequests_whenOneIdExists_throwsDuplicateIdAndStoresNoMember', async () => {
      const existing = makeRequest({ id: 'mem333' });
      await store.insertRequest(existing, [], []);
      const members = ['lead22', 'mem333', 'mem444'].map((id) => makeRequest({ id, batchId: 'lead22' }));

      let thrown: unknown;
      try {
        await store.insertRequests(members.map(item));
      } catch (error) {
        thrown = error;
      }

      expect(thrown).toBeInstanceOf(JitError);
      expect(thrown).toMatchObject({ code: 'jit_store_failed', cause: 'duplicate_id' });
      expect(await store.getRequest('lead22')).toBeUndefined();
      expect(await store.getRequest('mem444')).toBeUndefined();
      expect(await store.getRequest('mem333')).toEqual(existing);
      expect(await store.auditEvents()).toEqual([]);
      expect(await store.pendingOutbox(10)).toEqual([]);
    });

    it('insertRequests_whenALaterMemberFails_rollsBackTheEarlierOnes', async () => {
      const first = makeRequest({ id: 'lead22', batchId: 'lead22' });
      const second = makeRequest({ id: 'mem333', batchId: 'lead22' });
      // An event naming a request that does not exist violates the foreign key.
      const orphan = makeEvent(makeRequest({ id: 'zzz999' }), 'request.created');

      await expect(store.insertRequests([item(first), { request: second, events: [orphan], notifications: [] }])).rejects.toThrow(JitError);
      expect(await store.listRequests({})).toEqual([]);
      expect(await store.pendingOutbox(10)).toEqual([]);
    });
  });

  describe('listRequests by batch', () => {
    beforeEach(openStore);

    it('listRequests_byBatchId_returnsItsMembersInInsertionOrder', async () => {
      const members = ['zzz222', 'aaa333', 'mmm444'].map((id) => makeRequest({ id, batchId: 'zzz222' }));
      await store.insertRequests(members.map(item));
      await store.insertRequest(makeRequest({ id: 'other2' }), [], []);

      expect((await store.listRequests({ batchId: 'zzz222' })).map((r) => r.id)).toEqual(['zzz222', 'aaa333', 'mmm444']);
      expect(await store.listRequests({ batchId: 'zzz222', states: ['pending'] })).toHaveLength(3);
      expect(await store.listRequests({ batchId: 'other2' })).toEqual([]);
    });
  });
}
