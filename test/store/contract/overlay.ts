// The Slack policy overlay: an entry is stored with its audit event and
// notification in one step, replaced by name ignoring case, kept in the order
// first saved, and retired on request.

import { describe, expect, it } from 'vitest';
import type { Notification } from '../../../src/ports/notifier.js';
import type { Contract } from './engine.js';
import { overlayEntry as entry, SSH_PORT as PORT, vmEnabled as enabled } from '../fixtures.js';

export function overlayContract(c: Contract): void {
  const open = () => c.open();

  describe('policy overlay', () => {
    it('save_storesTheEntryWithItsAuditEventAndNotification', async () => {
      const s = await open();
      const event = enabled('enabled JIT on web-3: 22/TCP from any source, up to 3h');
      await s.saveOverlayVm(entry('web-3'), event, [{ kind: 'system', event }]);

      expect(await s.overlayVms()).toEqual([entry('web-3')]);
      expect(await s.systemEvents()).toEqual([event]);
      expect((await s.pendingOutbox(10)).map((row) => row.notification)).toEqual([{ kind: 'system', event }]);
      expect(await s.verifyAuditChain()).toMatchObject({ ok: true, rows: 1 });
    });

    it('save_ofAnEntryWhoseEventCannotBeWritten_storesNeither', async () => {
      const s = await open();
      // A notification that cannot be serialised fails the last insert of the transaction.
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      const unserialisable = { kind: 'system', event: circular } as unknown as Notification;
      await expect(s.saveOverlayVm(entry('web-3'), enabled('x'), [unserialisable])).rejects.toThrow();
      expect(await s.overlayVms()).toEqual([]);
      expect(await s.systemEvents()).toEqual([]);
    });

    it('saveAgain_underTheSameNameInAnotherCase_replacesTheEntry_keepingItsPlace', async () => {
      const s = await open();
      await s.saveOverlayVm(entry('web-3'), enabled('a'), []);
      await s.saveOverlayVm(entry('db-9'), enabled('b'), []);
      await s.saveOverlayVm(entry('WEB-3', [{ ...PORT, number: 2222 }], 'UOTHER'), { ...enabled('c'), name: 'policy.vm_changed' }, []);

      expect(await s.overlayVms()).toEqual([entry('WEB-3', [{ ...PORT, number: 2222 }], 'UOTHER'), entry('db-9')]);
      expect((await s.systemEvents()).map((e) => e.name)).toEqual(['policy.vm_enabled', 'policy.vm_enabled', 'policy.vm_changed']);
    });

    it('retire_removesOnlyThatEntry_andSaysWhetherOneWasThere', async () => {
      const s = await open();
      await s.saveOverlayVm(entry('web-3'), enabled('a'), []);
      await s.saveOverlayVm(entry('db-9'), enabled('b'), []);
      expect(await s.retireOverlayVm('Web-3')).toBe(true);
      expect(await s.retireOverlayVm('web-3')).toBe(false);
      expect(await s.overlayVms()).toEqual([entry('db-9')]);
    });
  });
}
