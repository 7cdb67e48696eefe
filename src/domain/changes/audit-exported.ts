// An export of the audit log is itself an audit event: who took a copy of the
// log, of which window, how many rows, and through what (`/jit audit` or the
// CLI). Recorded in the chain and posted to the audit channel like drift.

import type { ExportFilter } from '../audit-export.js';
import type { Notification } from '../notification.js';
import type { SystemEvent } from '../types.js';

export type ExportVia = 'slack' | 'cli';

export function auditExported(
  actor: string,
  filter: ExportFilter,
  rows: number,
  via: ExportVia,
  at: number,
): { event: SystemEvent; notifications: Notification[] } {
  const window = filter.since === undefined ? 'all events' : `events since ${new Date(filter.since).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const vm = filter.vm === undefined ? '' : ` of VM ${filter.vm}`;
  const through = via === 'slack' ? '/jit audit' : 'jit audit export (CLI)';
  const event: SystemEvent = { name: 'audit.exported', actor, at, detail: `${rows} ${rows === 1 ? 'row' : 'rows'}, ${window}${vm}, through ${through}` };
  return { event, notifications: [{ kind: 'system', event }] };
}
