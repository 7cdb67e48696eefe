// Who may export the audit log, and what the export holds: the use case over a
// real SQLite store, with fixed user groups and a fake clock.

import { afterEach, describe, expect, it } from 'vitest';
import { auditRows } from '../../src/domain/audit-export.js';
import { auditReaders, exportAudit } from '../../src/workflow/audit-export.js';
import { csvObjects } from '../support/csv.js';
import { createHarness, policyOf, type Harness } from '../support/workflow-harness.js';

let h: Harness;
afterEach(() => h?.cleanup());

/** Two requests an hour apart: the first approved, opened and revoked; the second still pending. */
async function history(harness: Harness): Promise<string[]> {
  const first = await harness.workflow.request(harness.input({ justification: '=HYPERLINK("http://evil","click")' }));
  if (!first.ok) throw new Error(JSON.stringify(first.problems));
  await harness.workflow.approve(first.request.id, 'UAPPROVER1');
  await harness.workflow.revoke(first.request.id, 'UREQ');
  harness.clock.advance(3_600_000);
  const second = await harness.workflow.request(harness.input({ requester: 'UOTHER', justification: 'later' }));
  if (!second.ok) throw new Error(JSON.stringify(second.problems));
  return [first.request.id, second.request.id];
}

describe('audit export authorisation', () => {
  it('readerNamedInThePolicy_getsEveryEvent', async () => {
    h = createHarness({ policy: policyOf({ readers: ['UAUDIT'] }) });
    await history(h);
    const result = await h.workflow.auditExport('UAUDIT', {});
    expect(result.ok && result.export.rows.length).toBe((await h.store.auditEvents()).length);
  });

  it('memberOfAReaderGroup_mayExport', async () => {
    h = createHarness({ policy: policyOf({ readers: ['SSECURITY'] }), groups: { SSECURITY: ['UAUDIT'] } });
    expect((await h.workflow.auditExport('UAUDIT', {})).ok).toBe(true);
    expect(await h.workflow.auditExport('UREQ', {})).toEqual({ ok: false, readers: ['SSECURITY'] });
  });

  it('readersFromJitReaders_countBesideThePolicys', async () => {
    h = createHarness({ policy: policyOf({ readers: ['UAUDIT'] }) });
    h.ctx.settings.readers = ['UENVREADER', 'UAUDIT'];
    expect((await h.workflow.auditExport('UENVREADER', {})).ok).toBe(true);
    expect(auditReaders(h.ctx)).toEqual(['UAUDIT', 'UENVREADER']);
  });

  it('approverWhoIsNoReader_isRefusedAndToldWhoMay', async () => {
    h = createHarness({ policy: policyOf({ readers: ['UAUDIT', 'SSECURITY'] }) });
    expect(await h.workflow.auditExport('UAPPROVER1', {})).toEqual({ ok: false, readers: ['UAUDIT', 'SSECURITY'] });
  });

  it('noReadersAnywhere_refusesEveryone', async () => {
    h = createHarness();
    expect(await h.workflow.auditExport('UAPPROVER1', {})).toEqual({ ok: false, readers: [] });
  });
});

describe('audit export contents', () => {
  it('eventsOfTheBotItself_driftAmongThem_areExportedWithEmptyRequestColumns', async () => {
    h = createHarness();
    const since = h.clock.now();
    const drift = {
      name: 'drift.orphan_closed' as const,
      actor: 'system' as const,
      at: since,
      detail: 'backend memory allows 22/TCP on web-1 from 10.1.1.1/32, but no request zzz234 is stored: closed',
    };
    await h.store.recordSystemEvent(drift, []);
    const { rows } = await exportAudit(h.store, { since });
    expect(rows).toEqual([expect.objectContaining({ event: 'drift.orphan_closed', request: '', vm: '', actor: 'system', reason: drift.detail })]);
  });

  it('window_startsAtSince_readFromTheStoreByTime', async () => {
    h = createHarness();
    const [, second] = await history(h);
    const since = h.clock.now();
    expect((await h.store.auditEventsSince(since)).map((e) => ['requestId' in e ? e.requestId : undefined, e.name])).toEqual([[second, 'request.created']]);
    const { rows } = await exportAudit(h.store, { since });
    expect(rows.map((r) => [r.request, r.event, r.requester, r.status])).toEqual([[second, 'request.created', 'UOTHER', 'pending']]);
  });

  it('csv_parsedBack_matchesTheStoredEventsAndRequests', async () => {
    h = createHarness();
    const [first] = await history(h);
    const { csv } = await exportAudit(h.store, { vm: 'web-1' });
    const parsed = csvObjects(csv);
    const events = await h.store.auditEvents();
    expect(parsed.map((r) => [r.time, r.event, r.request, r.actor])).toEqual(events.map((e) => [new Date(e.at).toISOString(), e.name, e.requestId, e.actor]));
    const stored = (await h.store.getRequest(first!))!;
    expect(parsed.find((r) => r.request === first && r.event === 'grant.closed')).toMatchObject({
      requester: 'UREQ',
      approver: 'UAPPROVER1',
      vm: 'web-1',
      port: '22',
      protocol: 'TCP',
      source: '203.0.113.7/32',
      start: new Date(stored.startAt!).toISOString(),
      end: new Date(stored.endAt!).toISOString(),
      status: 'closed',
      reason: 'revoked',
      // The formula arrives as text: one added quote, nothing else changed.
      justification: `'${stored.justification}`,
    });
  });

  it('rowsAreTheDomainBuildersRows_overTheStoredEvents', async () => {
    h = createHarness();
    await history(h);
    const events = await h.store.auditEvents();
    const requests = new Map(await Promise.all(events.map(async (event) => [event.requestId, await h.store.getRequest(event.requestId)] as const)));
    expect((await exportAudit(h.store)).rows).toEqual(auditRows(events, (id) => requests.get(id)));
  });
});
