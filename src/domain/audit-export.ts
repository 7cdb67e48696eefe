// The activity log as rows of text: one row per audit event, with the request it
// belongs to beside it. Pure: the caller reads the events and requests. The
// column list is a contract (README "Audit export"); add columns at the end only.

import type { AccessRequest, AuditEvent, SystemEventName } from './types.js';
import { toCsv } from './csv.js';

export const AUDIT_COLUMNS = [
  'time',
  'event',
  'request',
  'requester',
  'approver',
  'vm',
  'port',
  'protocol',
  'source',
  'start',
  'end',
  'status',
  'reason',
  'actor',
  'justification',
] as const;

export type AuditColumn = (typeof AUDIT_COLUMNS)[number];
export type AuditRow = Record<AuditColumn, string>;

/**
 * An event as the export reads it. `requestId` may be absent: system events
 * (firewall drift) need not belong to a request; their request columns are empty.
 */
export type ExportEvent = Omit<AuditEvent, 'requestId' | 'name'> & { name: AuditEvent['name'] | SystemEventName; requestId?: string | null };

export interface ExportFilter {
  /** Only events at or after this time (epoch ms). */
  since?: number;
  /** Only events of requests for this VM (by short name, any case). Events without a request are left out. */
  vm?: string;
}

const iso = (at: number | undefined): string => (at === undefined ? '' : new Date(at).toISOString());

/**
 * One row per event, oldest first as given. Ports and protocols of a request
 * with several ports are listed in the same order, separated by spaces
 * (`22 3389` / `TCP UDP`), so one event stays one row.
 */
export function auditRows(events: readonly ExportEvent[], requestOf: (id: string) => AccessRequest | undefined, filter: ExportFilter = {}): AuditRow[] {
  const vm = filter.vm?.toLowerCase();
  const rows: AuditRow[] = [];
  for (const event of events) {
    if (filter.since !== undefined && event.at < filter.since) continue;
    const request = event.requestId ? requestOf(event.requestId) : undefined;
    if (vm !== undefined && request?.vm.toLowerCase() !== vm) continue;
    rows.push({
      time: iso(event.at),
      event: event.name,
      request: event.requestId ?? '',
      requester: request?.requester ?? '',
      approver: request?.approvals.join(' ') ?? '',
      vm: request?.vm ?? '',
      port: request?.ports.map((p) => String(p.number)).join(' ') ?? '',
      protocol: request?.ports.map((p) => p.protocol).join(' ') ?? '',
      source: request?.source ?? '',
      start: iso(request?.startAt),
      end: iso(request?.endAt),
      status: request?.state ?? '',
      reason: event.detail ?? '',
      actor: event.actor,
      justification: request?.justification ?? '',
    });
  }
  return rows;
}

/** The header and the rows as RFC 4180 CSV, neutralised against formula injection. */
export function auditCsv(rows: readonly AuditRow[]): string {
  return toCsv([AUDIT_COLUMNS, ...rows.map((row) => AUDIT_COLUMNS.map((column) => row[column]))]);
}
