// The changes a decision on a pending request makes: an approval, a Deny, a
// withdrawal, a timeout, the reminder halfway to it, and the review of a
// break-glass grant afterwards. Authorisation happened before (authorize.ts).

import { approvalComplete } from '../rules.js';
import { type Change, auditEvent, decided } from '../change.js';
import type { AccessRequest, GrantRequest } from '../types.js';

/** One more approval; `approved` once the quorum is complete. */
export function approval(current: AccessRequest, user: string, now: number): Change {
  const approvals = [...current.approvals, user];
  const complete = approvalComplete({ ...current, approvals });
  const next: AccessRequest = complete ? { ...current, approvals, state: 'approved', decidedBy: user } : { ...current, approvals };
  return decided(next, complete ? 'request.approved' : 'request.approval_added', user, now, `${approvals.length} of ${current.decision.approvalsNeeded}`);
}

/** A Deny: it ends the request, unless the rule says a Deny only counts against it (`denyEndsRequest: false`). */
export function denial(current: AccessRequest, user: string, now: number, reason?: string): Change {
  if (current.decision.denyEndsRequest === false) {
    return decided({ ...current, denials: [...(current.denials ?? []), user] }, 'request.denial_added', user, now, reason);
  }
  return decided({ ...current, state: 'denied', decidedBy: user, ...(reason ? { reason } : {}) }, 'request.denied', user, now, reason);
}

/** The requester withdraws, or (`system`) the grant an extension was for is gone. */
export function cancellation(current: AccessRequest, actor: string, now: number, reason?: string): Change {
  const next: AccessRequest = { ...current, state: 'cancelled', decidedBy: actor, ...(reason === undefined ? {} : { reason }) };
  return decided(next, 'request.cancelled', actor, now, reason);
}

export function timeout(current: AccessRequest, now: number): Change {
  return decided({ ...current, state: 'timed_out', decidedBy: 'system', reason: 'no decision in time' }, 'request.timed_out', 'system', now);
}

/**
 * The approvers' reminder, halfway to the timeout: `remindedAt` is written in the
 * same compare-and-swap, so they are reminded once. Only under their approval
 * messages (`post`: false for a batch member whose batch another member reminds).
 */
export function reminder(current: AccessRequest, now: number, timesOutAt: number, post: boolean): Change {
  const next: AccessRequest = { ...current, remindedAt: now };
  const event = auditEvent('request.reminded', next, 'system', now, `times out at ${new Date(timesOutAt).toISOString()}`);
  return { next, events: [event], notifications: post ? [{ kind: 'approval_reminder', request: next, timesOutAt }] : [] };
}

/** An approver reviewed a break-glass grant: it leaves the unreviewed list, the alert is updated in place. */
export function acknowledgement(current: GrantRequest, user: string, now: number): Change {
  return decided({ ...current, acknowledgedBy: user, acknowledgedAt: now }, 'request.acknowledged', user, now);
}
