// Every write is stored whole or not at all: whatever SQLite's constraints
// refuse (an unknown state or role, a row naming a request or an outbox row
// that does not exist, an id used twice) fails the whole write with
// jit_store_failed and leaves nothing behind.

import { describe, expect, it } from 'vitest';
import type { AccessRequest, SystemEvent } from '../../../src/domain/types.js';
import type { MessageRef } from '../../../src/ports/notifier.js';
import type { Store } from '../../../src/ports/store.js';
import { auditNote, dmNote, makeEvent, makeRequest, moved } from '../fixtures.js';
import type { Contract } from './engine.js';

const storeFailed = expect.objectContaining({ code: 'jit_store_failed' });

/** Everything the store holds that a failed write could have left behind. */
async function contents(store: Store, engine: string): Promise<unknown> {
  return {
    requests: await store.listRequests({}),
    events: await store.auditEventsSince(0),
    // SQLite (and its twin) read a negative LIMIT as no limit; PostgreSQL refuses one, so it is asked for more than any test writes.
    outbox: await store.pendingOutbox(engine === 'postgres' ? 1000 : -1),
    chain: await store.verifyAuditChain(),
  };
}

async function seed(store: Store): Promise<AccessRequest> {
  const request = makeRequest();
  const created = makeEvent(request, 'request.created');
  return await store.insertRequest(request, [created], [auditNote(request, created)]);
}

export function integrityContract(c: Contract): void {
  describe('writes are whole or nothing', () => {
    it('insertRequest_withAStateTheSchemaRefuses_writesNothing', async () => {
      const store = await c.open();
      const request = makeRequest({ state: 'exploded' as AccessRequest['state'] });
      const created = makeEvent(request, 'request.created');

      await expect(store.insertRequest(request, [created], [auditNote(request, created)])).rejects.toEqual(storeFailed);

      expect(await contents(store, c.engine)).toEqual(await contents(await c.open(), c.engine));
    });

    it('insertRequests_withTheSameIdTwice_throwsDuplicateIdAndStoresNoMember', async () => {
      const store = await c.open();
      const lead = makeRequest({ id: 'lead22', batchId: 'lead22' });
      const twice = makeRequest({ id: 'lead22', batchId: 'lead22', vm: 'db-01' });

      await expect(store.insertRequests([lead, twice].map((request) => ({ request, events: [], notifications: [] })))).rejects.toMatchObject({
        code: 'jit_store_failed',
        cause: 'duplicate_id',
      });

      expect(await store.listRequests({})).toEqual([]);
    });

    it('transition_toAStateTheSchemaRefuses_leavesTheRequestAndItsLogUnchanged', async () => {
      const store = await c.open();
      const request = await seed(store);
      const before = await contents(store, c.engine);
      const next = moved(request, { state: 'exploded' as AccessRequest['state'] });
      const event = makeEvent(request, 'request.approved');

      await expect(store.transition(request, next, [event], [dmNote(next, 'request.approved')])).rejects.toEqual(storeFailed);

      expect(await contents(store, c.engine)).toEqual(before);
    });

    it('recordSystemEvent_whenANotificationNamesAnUnknownRequest_writesNothing', async () => {
      const store = await c.open();
      const drift: SystemEvent = { name: 'drift.orphan_closed', actor: 'system', at: 1, detail: 'closed' };
      const ghost = makeRequest({ id: 'ghost2' });

      await expect(store.recordSystemEvent(drift, [{ kind: 'system', event: drift }, dmNote(ghost, 'grant.closed')])).rejects.toEqual(storeFailed);

      expect(await store.systemEvents()).toEqual([]);
      expect(await store.pendingOutbox(10)).toEqual([]);
    });

    it('markDelivered_withARefOfAnUnknownRequest_leavesTheRowPendingAndNoRef', async () => {
      const store = await c.open();
      await seed(store);
      const [row] = await store.pendingOutbox(10);
      const refs: MessageRef[] = [
        { requestId: 'abc234', role: 'audit', channel: 'C0AUDIT', ts: '1.1' },
        { requestId: 'ghost2', role: 'audit', channel: 'C0AUDIT', ts: '2.2' },
      ];

      await expect(store.markDelivered(row!.id, refs)).rejects.toEqual(storeFailed);

      expect((await store.pendingOutbox(10)).map((pending) => pending.id)).toEqual([row!.id]);
      expect(await store.messageRefs('abc234')).toEqual([]);
    });

    it('claimPost_andRecordPost_onAnUnknownOutboxRow_areRefused', async () => {
      const store = await c.open();

      await expect(store.claimPost(4242, 'audit', 'C0AUDIT', 1000)).rejects.toEqual(storeFailed);
      await expect(store.recordPost(4242, 'audit', 'C0AUDIT', '1.1')).rejects.toEqual(storeFailed);

      expect(await store.outboxPosts(4242)).toEqual([]);
    });
  });
}
