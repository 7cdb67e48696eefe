// The words and file names of `/jit audit`. Pure.

import { plural } from '../../domain/wording.js';
import { escapeMrkdwn, mentionList } from './escape.js';

export interface AuditExportScope {
  days: number;
  vm?: string;
  /** When the export was made (epoch ms). */
  now: number;
}

const day = (at: number): string => new Date(at).toISOString().slice(0, 10);

function scopeText(scope: AuditExportScope): string {
  return `the last ${plural(scope.days, 'day')}${scope.vm === undefined ? '' : ` on VM ${escapeMrkdwn(scope.vm)}`}`;
}

/** `jit-audit-web-1-2026-01-01-to-2026-01-31.csv`; the VM name is already restricted to file-safe characters. */
export function auditFilename(scope: AuditExportScope): string {
  const from = day(scope.now - scope.days * 86_400_000);
  return `jit-audit-${scope.vm === undefined ? '' : `${scope.vm}-`}${from}-to-${day(scope.now)}.csv`;
}

export function auditFileComment(rows: number, scope: AuditExportScope): string {
  return `Audit log: ${plural(rows, 'event')} from ${scopeText(scope)}. Cells that a spreadsheet would run as a formula start with an added \`'\`.`;
}

export function auditSentText(rows: number, filename: string, scope: AuditExportScope): string {
  return `Sent ${plural(rows, 'audit event')} from ${scopeText(scope)} to your DM with me as \`${filename}\`.`;
}

export function auditEmptyText(scope: AuditExportScope): string {
  return `No audit events in ${scopeText(scope)}, so no file was sent. Try more days with \`--days N\`${scope.vm === undefined ? '' : ' or leave out the VM'}.`;
}

/** Who may export, or that nobody may yet and how that changes. */
export function auditRefusedText(readers: readonly string[]): string {
  if (readers.length === 0) {
    return 'Nobody may export the audit log yet: no audit readers are named. Whoever runs the bot adds Slack user or user-group IDs to `readers` in the policy file (or to `JIT_READERS`).';
  }
  return `Only the audit readers may export the audit log: ${mentionList(readers)}. Ask one of them, or ask whoever runs the bot to add you to \`readers\` in the policy file.`;
}

/** Why an upload failed, in words a user can act on; the Slack error code when there is one. */
export function auditUploadFailedText(error: unknown): string {
  const code = slackErrorCode(error);
  const why =
    code === 'missing_scope' || code === 'not_allowed_token_type'
      ? 'the Slack app lacks the `files:write` scope; whoever runs the bot must add it (manifest.yml has it) and reinstall the app'
      : code !== undefined
        ? `Slack answered \`${escapeMrkdwn(code)}\``
        : 'Slack could not be reached';
  return `The audit export was not sent: ${why}. Nothing else changed; try again later.`;
}

function slackErrorCode(error: unknown): string | undefined {
  const data = (error as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}
