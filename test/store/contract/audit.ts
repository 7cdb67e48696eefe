// The audit log: request events and the bot's own in one hash chain, read
// back oldest first in the shapes the audit export and the Slack notices rely on.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessRequest, SystemEvent } from '../../../src/domain/types.js';
import type { Store } from '../../../src/ports/store.js';
import { createHarness, type Harness } from '../../support/workflow-harness.js';
import { auditNote, dmNote, makeEvent, makeRequest } from '../fixtures.js';
import type { Contract } from './engine.js';

const drift: SystemEvent = {
  name: 'drift.orphan_closed',
  actor: 'system',
  at: 1_800_000_000_000,
  detail: 'backend memory allows 22/TCP on web-01 from 10.0.0.1/32: closed',
};

export function auditContract(c: Contract): void {
  let store: Store;
  const open = () => c.open();

  /** A request whose creation queued an audit post and a DM, in that order. */
  async function seed(id: string): Promise<AccessRequest> {
    const request = makeRequest({ id });
    const created = makeEvent(request, 'request.created');
    return await store.insertRequest(request, [created], [auditNote(request, created), dmNote(request, 'request.created')]);
  }

  describe('auditEvents', () => {
    beforeEach(async () => {
      store = await c.open();
    });

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

  describe('system events', () => {
    it('recordSystemEvent_writesTheEventAndItsNotification_withNoRequest', async () => {
      const s = await open();
      await s.recordSystemEvent(drift, [{ kind: 'system', event: drift }]);

      expect(await s.systemEvents()).toEqual([drift]);
      // Request events and the bot's own events are read apart.
      expect(await s.auditEvents()).toEqual([]);
      const [row] = await s.pendingOutbox(10);
      expect(row).toMatchObject({ notification: { kind: 'system', event: drift } });
      expect(row?.requestId).toBeUndefined();
    });

    it('systemEvents_shareTheHashChain', async () => {
      const s = await open();
      const request = makeRequest();
      const created = makeEvent(request, 'request.created');
      await s.insertRequest(request, [created], []);
      await s.recordSystemEvent(drift, []);
      await s.insertRequest(makeRequest({ id: 'def234' }), [makeEvent(makeRequest({ id: 'def234' }), 'request.created')], []);
      expect(await s.verifyAuditChain()).toMatchObject({ ok: true, rows: 3 });
    });
  });

  describe('audit hash chain', () => {
    let h: Harness | undefined;
    afterEach(() => {
      h?.cleanup();
      h = undefined;
    });

    it('verify_afterRealUse_isIntact', async () => {
      h = createHarness({ store: await open() });
      for (let i = 0; i < 3; i++) {
        const result = await h.workflow.request(h.input({ requester: `UREQ${i}` }));
        if (!result.ok) throw new Error('request refused');
        await h.workflow.approve(result.request.id, 'UAPPROVER1');
        h.clock.advance(1000);
      }
      h.clock.advance(3 * 3600_000);
      await h.workflow.sweep();
      const verdict = await h.store.verifyAuditChain();
      expect(verdict).toMatchObject({ ok: true, rows: 15 });
    });
  });
}
