// `/jit audit`: check the caller is an audit reader, build the CSV, and upload
// it to the caller's DM with files.uploadV2 (getUploadURLExternal, the bytes,
// completeUploadExternal). Runs after the ack; the result is the ephemeral reply.

import type { WebClient } from '@slack/web-api';
import {
  auditEmptyText,
  auditFileComment,
  auditFilename,
  auditRefusedText,
  auditSentText,
  auditUploadFailedText,
  type AuditExportScope,
} from '../blocks/audit-export.js';
import type { ListenerDeps } from './deps.js';

const DAY_MS = 86_400_000;

export async function sendAuditExport(deps: ListenerDeps, client: WebClient, user: string, asked: { vm?: string; days: number }): Promise<string> {
  const scope: AuditExportScope = { days: asked.days, now: deps.clock.now(), ...(asked.vm === undefined ? {} : { vm: asked.vm }) };
  const result = await deps.workflow.auditExport(user, { since: scope.now - scope.days * DAY_MS, ...(asked.vm === undefined ? {} : { vm: asked.vm }) });
  if (!result.ok) return auditRefusedText(result.readers);
  const { rows, csv } = result.export;
  if (rows.length === 0) return auditEmptyText(scope);
  const filename = auditFilename(scope);
  try {
    const dm = await client.conversations.open({ users: user });
    const channel = dm.channel?.id;
    if (!channel) throw new Error('conversations.open returned no channel');
    await client.files.uploadV2({ channel_id: channel, filename, title: filename, content: csv, initial_comment: auditFileComment(rows.length, scope) });
  } catch (error) {
    deps.logger.warn(`/jit audit by ${user}: the upload failed:`, error);
    return auditUploadFailedText(error);
  }
  return auditSentText(rows.length, filename, scope);
}
