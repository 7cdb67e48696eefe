// A new request as it is first stored: its row, its creation event (and, when
// the rules settled it at once, the approval or denial with it), and the
// messages that start its story: the audit thread, the requester's DM, the
// approval requests or, for break-glass, the loud alert.

import { announce, auditEvent } from '../change.js';
import type { Notification } from '../notification.js';
import type { AccessRequest, AuditEvent, Decision, GrantTarget, RequestCore, RequestDraft } from '../types.js';

export interface Created {
  request: AccessRequest;
  events: AuditEvent[];
  notifications: Notification[];
}

/** What makes a new request an extension of an open grant, and how long the grant would then be in all. */
export interface ExtensionOf {
  extends: string;
  extensionTotalSeconds: number;
}

/** The request the decision makes of a draft: pending, or settled at once (approved by a rule or break-glass, or denied). */
export function initialRequest(id: string, draft: RequestDraft, decision: Decision, target: GrantTarget, now: number, extension?: ExtensionOf): AccessRequest {
  const state = decision.effect === 'approve' || decision.effect === 'break_glass' ? 'approved' : decision.effect === 'deny' ? 'denied' : 'pending';
  const settled = state === 'pending' ? {} : { decidedBy: decision.effect === 'break_glass' ? draft.requester : 'system', reason: decision.reasons.join('; ') };
  const common: RequestCore = { ...draft, id, state, version: 1, createdAt: now, decision, approvals: [], target, ...settled };
  return extension === undefined ? { ...common, kind: 'grant' } : { ...common, kind: 'extension', ...extension };
}

/** One request on its own: the requester hears of it at once, the approvers are asked at `approvalTargets`. */
export function created(request: AccessRequest, now: number, approvalTargets: readonly string[]): Created {
  const event = auditEvent('request.created', request, request.requester, now);
  const notifications: Notification[] = [{ kind: 'audit', event, request }];
  if (request.state === 'pending') {
    notifications.push({ kind: 'requester_dm', event: 'request.created', request });
    for (const target of approvalTargets) notifications.push({ kind: 'approval_request', target, request });
    return { request, events: [event], notifications };
  }
  const settlement = settledAtOnce(request, now, request.decision.reasons.join('; '));
  return {
    request,
    events: [event, settlement.event],
    notifications: [...notifications, ...announce(settlement.event, request, { dm: true }), ...settlement.alert],
  };
}

/**
 * One VM of a batch: the requester hears once, for the whole batch, through
 * the leader (`index` 0); the approval requests are added to the leader too.
 */
export function createdInBatch(request: AccessRequest, now: number, index: number, size: number, batchId: string): Created {
  const event = auditEvent('request.created', request, request.requester, now, `batch #${batchId}, VM ${index + 1} of ${size}`);
  const notifications: Notification[] = [{ kind: 'audit', event, request }];
  if (index === 0) notifications.push({ kind: 'requester_dm', event: 'request.created', request });
  if (request.state === 'pending') return { request, events: [event], notifications };
  const settlement = settledAtOnce(request, now, request.reason ?? '');
  return { request, events: [event, settlement.event], notifications: [...notifications, ...announce(settlement.event, request), ...settlement.alert] };
}

/**
 * Approved by a rule or denied at once, on the record. Break-glass: the
 * requester approves their own request, and the audit channel is alerted; a
 * break-glass VM denied with the rest of its batch opened nothing and is not.
 */
function settledAtOnce(request: AccessRequest, now: number, why: string): { event: AuditEvent; alert: Notification[] } {
  const breakGlass = request.decision.effect === 'break_glass' && request.state === 'approved';
  const name = request.state === 'approved' ? 'request.approved' : 'request.denied';
  const event = auditEvent(name, request, breakGlass ? request.requester : 'system', now, `${breakGlass ? 'break-glass: ' : ''}${why}`);
  return { event, alert: breakGlass ? [{ kind: 'break_glass', request }] : [] };
}
