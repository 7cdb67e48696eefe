// Use case: export the activity log. Only the audit readers (the policy's
// `readers` and JIT_READERS, users or user groups) may ask from Slack; the CLI
// runs on the bot's host with the database in reach, so it asks without a user.
// Every export is recorded as an `audit.exported` event, in the chain and the audit channel.

import { auditCsv, auditRows, type AuditRow, type ExportFilter } from '../domain/audit-export.js';
import type { AccessRequest } from '../domain/types.js';
import { readersOf } from '../domain/authorize.js';
import { accessRules, verdictOf } from './access.js';
import type { WorkflowContext } from './context.js';
import type { Store } from '../ports/store.js';
import { auditExported } from '../domain/changes/audit-exported.js';

export interface AuditExport {
  rows: AuditRow[];
  csv: string;
}

export type AuditExportResult =
  | { ok: true; export: AuditExport }
  /** Not a reader: `readers` says who is (empty when nobody is named). */
  | { ok: false; readers: string[] };

/** The events in the window with their requests, read once each; no authorisation. */
export async function exportAudit(store: Pick<Store, 'auditEvents' | 'auditEventsSince' | 'getRequest'>, filter: ExportFilter = {}): Promise<AuditExport> {
  const events = filter.since === undefined ? await store.auditEvents() : await store.auditEventsSince(filter.since);
  const requests = new Map<string, AccessRequest | undefined>();
  for (const event of events) {
    if ('requestId' in event && !requests.has(event.requestId)) requests.set(event.requestId, await store.getRequest(event.requestId));
  }
  const rows = auditRows(events, (id) => requests.get(id), filter);
  return { rows, csv: auditCsv(rows) };
}

/** Everyone who may export: the policy's readers, then JIT_READERS, without repeats. */
export function auditReaders(ctx: Pick<WorkflowContext, 'policy' | 'settings'>): string[] {
  return readersOf(accessRules(ctx));
}

/** The export for an audit reader (the policy's `readers` or JIT_READERS, directly or through a user group); who may, for anyone else. */
export async function exportAuditFor(ctx: WorkflowContext, user: string, filter: ExportFilter): Promise<AuditExportResult> {
  if (!(await verdictOf(ctx, user, 'read_audit')).ok) {
    ctx.logger.info(`audit export refused: ${user} is not an audit reader`);
    return { ok: false, readers: auditReaders(ctx) };
  }
  const result = await exportAudit(ctx.store, filter);
  const exported = auditExported(user, filter, result.rows.length, 'slack', ctx.clock.now());
  await ctx.store.recordSystemEvent(exported.event, exported.notifications);
  ctx.logger.info(`audit export by ${user}: ${result.rows.length} events${filter.vm ? ` of VM ${filter.vm}` : ''}`);
  return { ok: true, export: result };
}
