// What goes in and what comes out are copies: a caller changing an object it
// passed or got back changes nothing stored. Stored requests are read the way
// every stored request is (withKind): one written without a kind reads with
// the kind its fields make it.

import { describe, expect, it } from 'vitest';
import type { OverlayVm } from '../../../src/domain/policy/overlay.js';
import type { AccessRequest } from '../../../src/domain/types.js';
import type { Notification } from '../../../src/ports/notifier.js';
import { auditNote, makeEvent, makeRequest } from '../fixtures.js';
import type { Contract } from './engine.js';

export function copiesContract(c: Contract): void {
  describe('copies in and out', () => {
    it('insertRequest_thenChangingWhatWasPassedOrReturned_changesNothingStored', async () => {
      const store = await c.open();
      const request = makeRequest();
      const event = makeEvent(request, 'request.created');
      const note = auditNote(request, event);
      const stored = await store.insertRequest(request, [event], [note]);
      const expected = makeRequest();

      request.approvals.push('U0MALLORY');
      stored.ports.length = 0;
      (event as { actor: string }).actor = 'U0MALLORY';
      (request as { vm: string }).vm = 'evil-01';
      (note as { kind: string }).kind = 'alert';
      (await store.getRequest(expected.id))!.approvals.length = 0;
      (await store.listRequests({}))[0]!.approvals.length = 0;
      ((await store.pendingOutbox(10))[0]!.notification as { kind: string }).kind = 'alert';

      expect(await store.getRequest(expected.id)).toEqual(expected);
      expect(await store.auditEvents()).toEqual([makeEvent(expected, 'request.created')]);
      expect((await store.pendingOutbox(10))[0]!.notification).toEqual(auditNote(expected, makeEvent(expected, 'request.created')));
    });

    it('saveOverlayVm_thenChangingTheEntryOrWhatWasRead_changesNothingStored', async () => {
      const store = await c.open();
      const entry: OverlayVm = { name: 'web-3', vm: { id: 'web-3', ports: [22] }, updatedBy: 'UADMIN', updatedAt: 1 };
      const event = { name: 'policy.vm_enabled', actor: 'UADMIN', at: 1, detail: 'enabled' } as const;
      await store.saveOverlayVm(entry, event, []);

      entry.vm.ports = [];
      ((await store.overlayVms())[0]!.vm as { id: string }).id = 'evil-01';

      expect(await store.overlayVms()).toEqual([{ name: 'web-3', vm: { id: 'web-3', ports: [22] }, updatedBy: 'UADMIN', updatedAt: 1 }]);
    });

    it('aRequestWrittenWithoutKind_readsWithTheKindItsFieldsMake', async () => {
      const store = await c.open();
      const { kind, ...grant } = makeRequest({ id: 'grant2' });
      const { kind: kind2, ...extension } = makeRequest({ id: 'ext222', extends: 'grant2' });
      void [kind, kind2];
      const legacy = (fields: object) => fields as AccessRequest;
      await store.insertRequest(legacy(grant), [], [{ kind: 'approval_update', request: legacy(grant) } as Notification]);
      await store.insertRequest(legacy(extension), [], []);

      expect((await store.getRequest('grant2'))?.kind).toBe('grant');
      expect((await store.getRequest('ext222'))?.kind).toBe('extension');
      // Same creation time: newest first falls back to the id, descending.
      expect((await store.listRequests({})).map((r) => r.kind)).toEqual(['grant', 'extension']);
      expect((await store.pendingOutbox(10)).map((row) => (row.notification as { request: AccessRequest }).request.kind)).toEqual(['grant']);
    });
  });
}
