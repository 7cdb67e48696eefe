// The audit log: request events and the bot's own in one hash chain, read
// back oldest first in the shapes the audit export and the Slack notices rely on.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENESIS, rowHash } from '../../../src/domain/audit-chain.js';
import type { AccessRequest, AuditEvent, SystemEvent } from '../../../src/domain/types.js';
import type { Store } from '../../../src/ports/store.js';
import { createHarness, type Harness, liveThroughAFewGrants } from '../../support/workflow-harness.js';
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

    it('anEventWithHalfAnEmoji_isStoredWellFormed_andTheChainStillVerifies', async () => {
      const request = await seed('aaa222');
      // A reason cut in the middle of an emoji: a lone surrogate, which no database stores as text.
      const cut = '\u{1F525}'.slice(0, 1);
      const denied = makeEvent(request, 'request.denied', { detail: `not now ${cut}`, actor: `U0${cut}` });
      await store.transition(request, { ...request, state: 'denied' }, [denied], []);

      expect((await store.auditEvents('aaa222'))[1]).toMatchObject({ detail: 'not now \uFFFD', actor: 'U0\uFFFD' });
      expect(await store.verifyAuditChain()).toMatchObject({ ok: true, rows: 2 });
    });

    it('auditEventsSince_returnsRequestAndSystemEventsFromThatTime_inWriteOrder', async () => {
      const a = await seed('aaa222');
      await store.recordSystemEvent(drift, []);
      await store.transition(a, { ...a, state: 'cancelled' }, [makeEvent(a, 'request.cancelled', { at: drift.at + 1, detail: undefined })], []);

      expect(await store.auditEventsSince(0)).toStrictEqual([
        { name: 'request.created', actor: 'U0ACTOR', at: a.createdAt, requestId: 'aaa222', detail: 'request.created detail' },
        { ...drift },
        { name: 'request.cancelled', actor: 'U0ACTOR', at: drift.at + 1, requestId: 'aaa222' },
      ]);
      expect((await store.auditEventsSince(drift.at)).map((e) => e.name)).toEqual(['drift.orphan_closed', 'request.cancelled']);
      expect(await store.auditEventsSince(drift.at + 2)).toEqual([]);
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

    it('systemEvents_withoutDetail_readAsEmptyDetail', async () => {
      const s = await open();
      const { detail, ...bare } = drift;
      void detail;
      await s.recordSystemEvent(bare as SystemEvent, []);

      expect(await s.systemEvents()).toStrictEqual([{ ...bare, detail: '' }]);
      expect(await s.auditEventsSince(0)).toStrictEqual([bare]);
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
      await liveThroughAFewGrants(h);
      const verdict = await h.store.verifyAuditChain();
      expect(verdict).toMatchObject({ ok: true, rows: 15 });
    });

    it('verify_onAnEmptyLog_isIntactAtGenesis', async () => {
      expect(await (await open()).verifyAuditChain()).toEqual({ ok: true, rows: 0, head: GENESIS });
    });

    it('verify_headIsTheChainOfEveryEventInWriteOrder_andAFailedWriteLeavesNoGap', async () => {
      const s = await open();
      const request = makeRequest();
      const created = makeEvent(request, 'request.created');
      const approved = makeEvent(request, 'request.approved', { detail: undefined });
      await s.insertRequest(request, [created], []);
      // Refused (its event names no stored request): neither a row nor a seq is used.
      const orphan = makeEvent(makeRequest({ id: 'zzz999' }), 'request.created');
      await expect(s.insertRequest(makeRequest({ id: 'def234' }), [orphan], [])).rejects.toThrow();
      await s.recordSystemEvent(drift, []);
      await s.transition(request, { ...request, state: 'approved' }, [approved], []);

      const rows: Array<AuditEvent | (SystemEvent & { requestId: null })> = [created, { ...drift, requestId: null }, approved];
      const head = rows.reduce(
        (previous, event, index) =>
          rowHash({ seq: index + 1, requestId: event.requestId, name: event.name, actor: event.actor, at: event.at, detail: event.detail ?? null }, previous),
        GENESIS,
      );
      expect(await s.verifyAuditChain()).toEqual({ ok: true, rows: 3, head });
    });
  });
}
