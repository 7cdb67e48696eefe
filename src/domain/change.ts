// A change of one stored request, decided in the domain and written whole by
// workflow/commit.ts: the request as it becomes, the audit events that record
// why, and the notifications that tell people. Pure data.

import type { Notification } from './notification.js';
import type { AccessRequest, AuditEvent, AuditEventName } from './types.js';

export interface Change<R extends AccessRequest = AccessRequest> {
  next: R;
  events: AuditEvent[];
  notifications: Notification[];
}

export function auditEvent(name: AuditEventName, request: AccessRequest, actor: string, at: number, detail?: string): AuditEvent {
  return { requestId: request.id, name, actor, at, ...(detail === undefined ? {} : { detail }) };
}

/** The audit reply plus, where the requester should hear about it, their DM; `updateApproval` rewrites the approval messages in place. */
export function announce(event: AuditEvent, request: AccessRequest, options: { dm?: boolean; updateApproval?: boolean } = {}): Notification[] {
  const notifications: Notification[] = [{ kind: 'audit', event, request }];
  if (options.updateApproval) notifications.push({ kind: 'approval_update', request });
  if (options.dm) notifications.push({ kind: 'requester_dm', event: event.name, request });
  return notifications;
}

/** One event, told in the audit thread, the approval messages and the requester's DM: what every decision on a request does. */
export function decided(next: AccessRequest, name: AuditEventName, actor: string, at: number, detail?: string): Change {
  const event = auditEvent(name, next, actor, at, detail);
  return { next, events: [event], notifications: announce(event, next, { dm: true, updateApproval: true }) };
}
