// What a state change tells people: data written to the outbox in the same
// transaction as the change, rendered and delivered later by a Notifier.

import type { ChainLink } from './audit-anchor.js';
import type { AccessRequest, AuditEvent, AuditEventName, SystemEvent } from './types.js';

/**
 * A message that a state change causes. `chain`: the (seq, hash) of the
 * event's audit row, which the outbox worker adds as it delivers (audit-anchor.ts); the post carries it. Written to the outbox in the same
 * transaction as the change; delivered later by the outbox worker. It carries a
 * snapshot of the request so rendering never needs another read.
 */
export type Notification =
  /** `request.created` starts the request's audit thread; every later event is a reply in it. */
  | { kind: 'audit'; event: AuditEvent; request: AccessRequest; chain?: ChainLink }
  /** Ask for approval in one place: the approval channel or one approver's DM. */
  | { kind: 'approval_request'; target: string; request: AccessRequest }
  /** Rewrite every approval message of the request in place (decided: buttons gone). */
  | { kind: 'approval_update'; request: AccessRequest }
  /** Nudge the approvers once, halfway to `timesOutAt`: a thread reply under every approval message. */
  | { kind: 'approval_reminder'; request: AccessRequest; timesOutAt: number }
  /** Something needs a human now (a port that will not close): a top-level, loud audit-channel message. */
  | { kind: 'alert'; event: AuditEvent; request: AccessRequest; chain?: ChainLink }
  /** A break-glass grant: a loud top-level audit message with an Acknowledge button (kept as the request's approval message). */
  | { kind: 'break_glass'; request: AccessRequest }
  /**
   * Tell the requester what just happened to their request. For an active grant
   * (`grant.opened`, `grant.extended`, `grant.expiry_warning`) the DM carries the
   * grant's buttons (`Extend`, and `Revoke now` except on the warning).
   */
  | { kind: 'requester_dm'; event: AuditEventName; request: AccessRequest }
  /** An event of the bot itself (drift no request explains): a top-level audit-channel message. */
  | { kind: 'system'; event: SystemEvent; chain?: ChainLink };

/** The request a notification belongs to; the bot's own events belong to none. */
export function requestIdOf(notification: Notification): string | undefined {
  return notification.kind === 'system' ? undefined : notification.request.id;
}

/**
 * The destination a notification depends on, which orders it: an outbox queue
 * is one request's notifications of one lane, delivered in order, and a lane
 * that cannot be delivered (the bot is not in the audit channel) holds back
 * only its own. `audit`: the audit channel (the thread, alerts, break-glass
 * alerts and their updates, the bot's own events); `approval`: the approval
 * messages, their updates and reminders (which edit or reply to them);
 * `requester`: the requester's DMs.
 */
export type OutboxLane = 'audit' | 'approval' | 'requester';

export const OUTBOX_LANES: readonly OutboxLane[] = ['audit', 'approval', 'requester'];

export function laneOf(notification: Notification): OutboxLane {
  switch (notification.kind) {
    case 'audit':
    case 'alert':
    case 'break_glass':
    case 'system':
      return 'audit';
    case 'approval_update':
      // A break-glass grant's "approval message" is its alert in the audit channel, posted in the audit lane.
      return notification.request.decision.effect === 'break_glass' ? 'audit' : 'approval';
    case 'approval_request':
    case 'approval_reminder':
      return 'approval';
    case 'requester_dm':
      return 'requester';
  }
}
