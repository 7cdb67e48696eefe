import { describe, expect, it } from 'vitest';
import { AUDIT_COLUMNS, auditCsv, auditRows, type ExportEvent } from '../../src/domain/audit-export.js';
import type { AccessRequest } from '../../src/domain/types.js';
import { makeEvent, makeRequest } from '../store/fixtures.js';
import { csvObjects } from '../support/csv.js';

const web = makeRequest({ id: 'abc234', vm: 'web-01', state: 'closed', approvals: ['U0APPROVE1', 'U0APPROVE2'] });
const db = makeRequest({
  id: 'def567',
  vm: 'db-01',
  ports: [{ number: 5432, protocol: 'TCP' }],
  state: 'denied',
  approvals: [],
  startAt: undefined,
  endAt: undefined,
  justification: '=1+1',
});
const requests = new Map<string, AccessRequest>([web, db].map((r) => [r.id, r]));
const lookup = (id: string) => requests.get(id);

const events: ExportEvent[] = [
  makeEvent(web, 'request.created', { actor: web.requester, at: 1_700_000_000_000, detail: undefined }),
  makeEvent(db, 'request.denied', { actor: 'U0APPROVE1', at: 1_700_000_100_000, detail: 'not during the freeze, sorry' }),
  makeEvent(web, 'grant.closed', { actor: 'system', at: 1_700_003_660_000, detail: 'expired' }),
];

describe('auditRows', () => {
  it('oneRowPerEvent_withItsRequestBesideIt', () => {
    const rows = auditRows(events, lookup);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual({
      time: '2023-11-14T22:13:20.000Z',
      event: 'request.created',
      request: 'abc234',
      requester: 'U0REQUEST',
      approver: 'U0APPROVE1 U0APPROVE2',
      vm: 'web-01',
      port: '22 3389',
      protocol: 'TCP *',
      source: '198.51.100.7/32',
      start: new Date(web.startAt!).toISOString(),
      end: new Date(web.endAt!).toISOString(),
      status: 'closed',
      reason: '',
      actor: 'U0REQUEST',
      justification: web.justification,
    });
    expect(rows[1]).toMatchObject({
      request: 'def567',
      port: '5432',
      protocol: 'TCP',
      start: '',
      end: '',
      status: 'denied',
      reason: 'not during the freeze, sorry',
      actor: 'U0APPROVE1',
      approver: '',
    });
  });

  it('eventWithoutARequest_keepsItsOwnColumnsAndLeavesTheRequestsEmpty', () => {
    // Firewall drift found by reconciliation need not belong to a request (audit_events.request_id nullable).
    const drift: ExportEvent[] = [
      { requestId: null, name: 'grant.closed', actor: 'system', at: 1_700_000_000_000, detail: 'rule found open' },
      { name: 'grant.closed', actor: 'system', at: 1_700_000_000_001 },
    ];
    const rows = auditRows(drift, () => {
      throw new Error('no request to look up');
    });
    expect(rows.map((row) => [row.request, row.vm, row.status, row.actor, row.reason])).toEqual([
      ['', '', '', 'system', 'rule found open'],
      ['', '', '', 'system', ''],
    ]);
  });

  it('since_leavesOutOlderEvents', () => {
    expect(auditRows(events, lookup, { since: 1_700_000_100_000 }).map((row) => row.event)).toEqual(['request.denied', 'grant.closed']);
  });

  it('vm_keepsThatVmsEventsOnly_inAnyCase_andDropsEventsWithoutARequest', () => {
    const withDrift: ExportEvent[] = [...events, { requestId: null, name: 'grant.closed', actor: 'system', at: 1 }];
    expect(auditRows(withDrift, lookup, { vm: 'WEB-01' }).map((row) => row.event)).toEqual(['request.created', 'grant.closed']);
    expect(auditRows(withDrift, lookup, { vm: 'nowhere' })).toEqual([]);
  });

  it('requestNoLongerStored_leavesItsColumnsEmptyButKeepsTheEvent', () => {
    const rows = auditRows([makeEvent(makeRequest({ id: 'zzz999' }), 'request.created')], lookup);
    expect(rows).toMatchObject([{ request: 'zzz999', requester: '', vm: '' }]);
  });
});

describe('auditCsv', () => {
  it('headerThenRows_parsedBackEqualTheRows_exceptForNeutralisedFormulas', () => {
    const rows = auditRows(events, lookup);
    const text = auditCsv(rows);
    expect(text.split('\r\n')[0]).toBe(AUDIT_COLUMNS.join(','));
    const parsed = csvObjects(text);
    expect(parsed).toHaveLength(3);
    expect(parsed[0]).toEqual(rows[0]);
    expect(parsed[1]).toEqual({ ...rows[1], justification: "'=1+1" });
  });

  it('noEvents_isTheHeaderAlone', () => {
    expect(auditCsv([])).toBe(`${AUDIT_COLUMNS.join(',')}\r\n`);
  });
});
