// What becomes of an approved extension request: applied to its original grant
// (the grant gets `grant.extended`, the extension closes), or failed, saying
// why. It never opens a grant of its own.

import { type Change, announce, auditEvent, decided } from '../change.js';
import { formatUtc } from '../duration.js';
import type { ExtensionRequest, GrantRequest } from '../types.js';

/** approved → closed: the extension lives on as the original's new end. */
export function extensionApplied(extension: ExtensionRequest, original: GrantRequest, now: number): Change {
  const next: ExtensionRequest = { ...extension, state: 'closed', reason: `applied to #${original.id}` };
  const until = original.endAt === undefined ? '' : `: open until ${formatUtc(original.endAt)}`;
  const event = auditEvent('extension.applied', next, 'system', now, `applied to #${original.id}${until}`);
  return { next, events: [event], notifications: announce(event, next, { updateApproval: true }) };
}

/** approved → failed, with the reason for the requester, the approvers' message and the audit thread. */
export function extensionFailed(extension: ExtensionRequest, reason: string, now: number): Change {
  return decided({ ...extension, state: 'failed', reason }, 'extension.failed', 'system', now, reason);
}
