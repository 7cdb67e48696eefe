// `/jit audit` (the workflow's auditExport) records who exported what as an
// `audit.exported` event in the chain, posted to the audit channel through
// the outbox; a refused export records nothing. Real SQLite store, fake clock.

import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, policyOf, type Harness } from '../support/workflow-harness.js';

let h: Harness;
afterEach(() => h?.cleanup());

describe('audit.exported', () => {
  it('anExportFromSlack_isRecordedInTheChain_andQueuedForTheAuditChannel', async () => {
    h = createHarness({ policy: policyOf({ readers: ['UAUDIT'] }) });
    const created = await h.workflow.request(h.input());
    if (!created.ok) throw new Error('request refused');
    const since = h.clock.now() - 7 * 86_400_000;

    const result = await h.workflow.auditExport('UAUDIT', { since, vm: 'web-1' });
    const rows = result.ok ? result.export.rows.length : -1;
    expect(rows).toBeGreaterThan(0);

    const [exported] = await h.store.systemEvents();
    expect(exported).toEqual({
      name: 'audit.exported',
      actor: 'UAUDIT',
      at: h.clock.now(),
      detail: `${rows} ${rows === 1 ? 'row' : 'rows'}, events since ${new Date(since).toISOString().slice(0, 16).replace('T', ' ')} UTC of VM web-1, through /jit audit`,
    });
    expect((await h.notifications()).at(-1)).toEqual({ kind: 'system', event: exported });
    expect(await h.store.verifyAuditChain()).toMatchObject({ ok: true });
  });

  it('aRefusedExport_recordsNothing', async () => {
    h = createHarness({ policy: policyOf({ readers: ['UAUDIT'] }) });
    expect((await h.workflow.auditExport('UREQ', {})).ok).toBe(false);
    expect(await h.store.systemEvents()).toEqual([]);
  });

  it('theExportEvent_isNotInTheExportThatRecordedIt_butInTheNext', async () => {
    h = createHarness({ policy: policyOf({ readers: ['UAUDIT'] }) });
    await h.workflow.request(h.input());
    const first = await h.workflow.auditExport('UAUDIT', { since: 0 });
    const second = await h.workflow.auditExport('UAUDIT', { since: 0 });
    if (!first.ok || !second.ok) throw new Error('refused');
    expect(second.export.rows.length).toBe(first.export.rows.length + 1);
    expect(second.export.rows.at(-1)?.event).toBe('audit.exported');
  });
});
