// Use case: export the activity log. Only the audit readers (the policy's
// `readers` and JIT_READERS, users or user groups) may ask from Slack; the CLI
// runs on the bot's host with the database in reach, so it asks without a user.

import { auditCsv, auditRows, type AuditRow, type ExportFilter } from '../domain/audit-export.js';
import type { AccessRequest } from '../domain/types.js';
import { isGroupId } from '../domain/wording.js';
import type { WorkflowContext } from './context.js';
import type { Store } from '../ports/store.js';

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
  return [...new Set([...(ctx.policy().readers ?? []), ...(ctx.settings.readers ?? [])])];
}

/** A reader named directly or through one of their user groups (a lookup that fails counts as not a member). */
export async function isAuditReader(ctx: WorkflowContext, user: string): Promise<boolean> {
  const readers = auditReaders(ctx);
  if (readers.includes(user)) return true;
  const groups = readers.filter(isGroupId);
  return groups.length > 0 && (await ctx.directory.groupsOf(user, groups)).length > 0;
}

export async function exportAuditFor(ctx: WorkflowContext, user: string, filter: ExportFilter): Promise<AuditExportResult> {
  if (!(await isAuditReader(ctx, user))) {
    ctx.logger.info(`audit export refused: ${user} is not an audit reader`);
    return { ok: false, readers: auditReaders(ctx) };
  }
  const result = await exportAudit(ctx.store, filter);
  ctx.logger.info(`audit export by ${user}: ${result.rows.length} events${filter.vm ? ` of VM ${filter.vm}` : ''}`);
  return { ok: true, export: result };
}
