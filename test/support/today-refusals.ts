// Refusals next to the text users were shown before the catalogue existed,
// copied from the workflow's `new JitError(…)` calls (Slack showed that text
// as mrkdwn; the CLI showed plainMessage of it). `slack` is given only where
// the Slack text changes on purpose: people named as mentions, a moment as a
// date token, text a user typed escaped.

import { type Refusal, refusal } from '../../src/domain/refusals.js';

export interface TodayRow {
  name: string;
  refusal: Refusal;
  /** The message text before the catalogue. */
  today: string;
  /** What Slack shows now, when it is not `today`. */
  slack?: string;
}

const WHEN = Date.UTC(2026, 10, 28, 9);
const WHEN_TOKEN = '<!date^1795856400^{date_short_pretty} {time}|2026-11-28T09:00:00Z>';

export const TODAY: readonly TodayRow[] = [
  {
    name: 'alreadyDecided_byAUser_namesThem',
    refusal: refusal('already_decided', { id: 'abc123', state: 'denied', decidedBy: 'UAPPROVER2' }),
    today: 'Request #abc123 was not changed: it is already denied (by <@UAPPROVER2>).',
  },
  {
    name: 'alreadyDecided_bySystem_namesNobody',
    refusal: refusal('already_decided', { id: 'abc123', state: 'timed_out', decidedBy: 'system' }),
    today: 'Request #abc123 was not changed: it is already timed out.',
  },
  {
    name: 'alreadyDecided_withoutDecider_namesNobody',
    refusal: refusal('already_decided', { id: 'abc123', state: 'approved' }),
    today: 'Request #abc123 was not changed: it is already approved.',
  },
  {
    name: 'decisionRaced',
    refusal: refusal('decision_raced', { id: 'abc123' }),
    today: 'Request #abc123 was not changed: someone else acted on it at the same moment.',
  },
  {
    name: 'approveOwnRequest',
    refusal: refusal('approve_own_request', { id: 'abc123' }),
    today: 'Request #abc123 was not changed: you cannot approve your own request.',
  },
  {
    name: 'approveNotRequestApprover_namesTheApproversAsMentions',
    refusal: refusal('approve_not_request_approver', { id: 'abc123', approvers: ['U0123ALICE', 'S0123SRE'] }),
    today: 'Request #abc123 was not changed: you are not an approver for request abc123: approvers are U0123ALICE or a member of S0123SRE.',
    slack: 'Request #abc123 was not changed: you are not an approver for request abc123: approvers are <@U0123ALICE> or a member of <!subteam^S0123SRE>.',
  },
  {
    name: 'approveNotRequestApprover_withoutApprovers_saysNobody',
    refusal: refusal('approve_not_request_approver', { id: 'abc123', approvers: [] }),
    today: 'Request #abc123 was not changed: you are not an approver for request abc123: approvers are nobody.',
  },
  {
    name: 'approveAlreadyApproved',
    refusal: refusal('approve_already_approved', { id: 'abc123' }),
    today: 'Request #abc123 was not changed: you have already approved request abc123.',
  },
  {
    name: 'approveAfterDeny',
    refusal: refusal('approve_after_deny', { id: 'abc123' }),
    today: 'You denied request #abc123, so you cannot also approve it.',
  },
  {
    name: 'notCurrentApprover',
    refusal: refusal('not_current_approver', { id: 'abc123' }),
    today: 'You are no longer an approver in the current policy, so you cannot decide request #abc123.',
  },
  {
    name: 'denyOwnRequest_pointsToCancel',
    refusal: refusal('deny_own_request', { id: 'abc123' }),
    today: 'You cannot deny your own request #abc123: use `/jit cancel abc123` to withdraw it.',
  },
  {
    name: 'denyNotRequestApprover',
    refusal: refusal('deny_not_request_approver', { id: 'abc123' }),
    today: 'You are not an approver for request #abc123, so you cannot deny it.',
  },
  {
    name: 'denyAfterApprove',
    refusal: refusal('deny_after_approve', { id: 'abc123' }),
    today: 'You approved request #abc123, so you cannot also deny it.',
  },
  {
    name: 'denyAlreadyDenied',
    refusal: refusal('deny_already_denied', { id: 'abc123' }),
    today: 'You have already denied request #abc123; it still waits for the other approvers.',
  },
  {
    name: 'notFound_pointsToList',
    refusal: refusal('not_found', { id: 'k7m2qp' }),
    today: 'There is no request #k7m2qp. Check the ID with `/jit list`.',
  },
  {
    name: 'cancelNotRequester',
    refusal: refusal('cancel_not_requester', { id: 'abc123' }),
    today: 'Only the requester can cancel request #abc123. Approvers can deny it from the approval message.',
  },
  {
    name: 'cancelAlreadyOpen_pointsToRevoke',
    refusal: refusal('cancel_already_open', { id: 'abc123', state: 'active' }),
    today: 'Request #abc123 is already active: use `/jit revoke abc123` to close it now.',
  },
  {
    name: 'cancelAlreadyEnded',
    refusal: refusal('cancel_already_ended', { id: 'abc123', state: 'timed_out' }),
    today: 'Request #abc123 is already timed out; nothing to cancel.',
  },
  {
    name: 'cancelRaced',
    refusal: refusal('cancel_raced', { id: 'abc123' }),
    today: 'Request #abc123 changed while you cancelled it: check `/jit list`.',
  },
  {
    name: 'revokeNotAllowed',
    refusal: refusal('revoke_not_allowed', { id: 'abc123' }),
    today: 'Only the requester or an approver can revoke request #abc123.',
  },
  {
    name: 'revokePending_pointsToCancel',
    refusal: refusal('revoke_pending', { id: 'abc123' }),
    today: 'Request #abc123 is still pending: use `/jit cancel abc123` to withdraw it.',
  },
  {
    name: 'revokeNothingOpen',
    refusal: refusal('revoke_nothing_open', { id: 'abc123', state: 'closed' }),
    today: 'Request #abc123 is closed; there is no open grant to revoke.',
  },
  {
    name: 'ackNotBreakGlass',
    refusal: refusal('ack_not_break_glass', { id: 'abc123' }),
    today: 'Request #abc123 was not a break-glass grant; there is nothing to acknowledge.',
  },
  {
    name: 'ackAlready_namesTheReviewer',
    refusal: refusal('ack_already', { id: 'abc123', by: 'UAPPROVER2' }),
    today: 'Break-glass grant #abc123 was already acknowledged by <@UAPPROVER2>.',
  },
  {
    name: 'ackOwnGrant',
    refusal: refusal('ack_own_grant', { id: 'abc123' }),
    today: 'You cannot review your own break-glass grant #abc123: another approver must.',
  },
  {
    name: 'ackNotRequestApprover',
    refusal: refusal('ack_not_request_approver', { id: 'abc123' }),
    today: 'You are not an approver for break-glass grant #abc123, so you cannot acknowledge it.',
  },
  {
    name: 'ackRaced',
    refusal: refusal('ack_raced', { id: 'abc123' }),
    today: 'Break-glass grant #abc123 changed while you acknowledged it: try again.',
  },
  {
    name: 'extendNotRequester',
    refusal: refusal('extend_not_requester', { id: 'abc123' }),
    today: 'Only the requester can extend request #abc123.',
  },
  {
    name: 'extendNotOpen_pointsToRequest',
    refusal: refusal('extend_not_open', { id: 'abc123', state: 'timed_out' }),
    today: 'Request #abc123 is timed out, not open: only open access can be extended. Request again with `/jit request`.',
  },
  {
    name: 'extendPastEnd',
    refusal: refusal('extend_past_end', { id: 'abc123' }),
    today: 'Request #abc123 has reached its end time and is closing. Request again with `/jit request`.',
  },
  {
    name: 'extendStale_showsTheEndAsADateToken',
    refusal: refusal('extend_stale', { id: 'abc123', endAt: WHEN }),
    today: 'Request #abc123 was already extended: it is open until 2026-11-28 09:00:00 UTC. Use the newest message to extend it again.',
    slack: `Request #abc123 was already extended: it is open until ${WHEN_TOKEN}. Use the newest message to extend it again.`,
  },
  {
    name: 'extensionWaiting_pointsToCancellingIt',
    refusal: refusal('extension_waiting', { id: 'abc123', extensionId: 'x9y8z7', addedSeconds: 7_200 }),
    today:
      'Request #abc123 already has an extension waiting for approval: #x9y8z7 (2h more). Wait for its decision, or withdraw it with `/jit cancel x9y8z7` and ask again.',
  },
  {
    name: 'extendVmGone',
    refusal: refusal('extend_no_maximum', { id: 'abc123', why: 'VM web-1 is no longer in the policy' }),
    today: 'Request #abc123 was not extended: VM web-1 is no longer in the policy.',
  },
  {
    name: 'extendVmGone_escapesTheVmName',
    refusal: refusal('extend_no_maximum', { id: 'abc123', why: 'VM web<1>&co is no longer in the policy' }),
    today: 'Request #abc123 was not extended: VM web<1>&co is no longer in the policy.',
    slack: 'Request #abc123 was not extended: VM web&lt;1&gt;&amp;co is no longer in the policy.',
  },
  {
    name: 'extendPortGone',
    refusal: refusal('extend_no_maximum', { id: 'abc123', why: 'port 22 on web-1 is no longer open to requests' }),
    today: 'Request #abc123 was not extended: port 22 on web-1 is no longer open to requests.',
  },
  {
    name: 'extendNoPort',
    refusal: refusal('extend_no_maximum', { id: 'abc123', why: 'the grant names no port' }),
    today: 'Request #abc123 was not extended: the grant names no port.',
  },
  {
    name: 'extendDenied_givesTheRuleReason',
    refusal: refusal('extend_denied', { id: 'abc123', totalSeconds: 14_400, reasons: ['more than 2h needs a change ticket'] }),
    today: 'Request #abc123 was not extended: the policy denies 4h in all: more than 2h needs a change ticket.',
  },
  {
    name: 'extendDenied_withoutReasons_endsAtTheDuration',
    refusal: refusal('extend_denied', { id: 'abc123', totalSeconds: 14_400, reasons: [] }),
    today: 'Request #abc123 was not extended: the policy denies 4h in all.',
  },
  {
    name: 'extendDenied_escapesTheRuleReason',
    refusal: refusal('extend_denied', { id: 'abc123', totalSeconds: 5_400, reasons: ['ask <!channel> & wait', 'rule night denies'] }),
    today: 'Request #abc123 was not extended: the policy denies 1h 30m in all: ask <!channel> & wait; rule night denies.',
    slack: 'Request #abc123 was not extended: the policy denies 1h 30m in all: ask &lt;!channel&gt; &amp; wait; rule night denies.',
  },
  {
    name: 'extendJustification',
    refusal: refusal('extend_justification', { id: 'abc123', problem: 'rule prod needs a justification matching ^CHG-\\d+ (a change ticket like CHG-123)' }),
    today: 'Request #abc123 was not extended: rule prod needs a justification matching ^CHG-\\d+ (a change ticket like CHG-123).',
  },
  {
    name: 'extendNoApprovers',
    refusal: refusal('extend_no_approvers', {
      id: 'abc123',
      totalSeconds: 14_400,
      reasons: ['rule r requires 1 approval', 'nobody other than the requester may approve it: ask an admin to add approvers to the policy'],
    }),
    today:
      'Request #abc123 was not extended: 4h in all needs approval and rule r requires 1 approval; nobody other than the requester may approve it: ask an admin to add approvers to the policy.',
  },
  {
    name: 'extendBackendFailed_showsTheEndAsADateToken',
    refusal: refusal('extend_backend_failed', { id: 'abc123', endAt: WHEN }),
    today:
      "The firewall could not extend request #abc123; access still ends at 2026-11-28 09:00:00 UTC. Try again, or tell the bot's admins if it keeps failing.",
    slack: `The firewall could not extend request #abc123; access still ends at ${WHEN_TOKEN}. Try again, or tell the bot's admins if it keeps failing.`,
  },
  {
    name: 'extendRaced',
    refusal: refusal('extend_raced', { id: 'abc123' }),
    today: 'Request #abc123 changed while you extended it; nothing was extended. Check `/jit list`.',
  },
  {
    name: 'rateLimited',
    refusal: refusal('rate_limited', { max: 10, retryAfterSeconds: 60 }),
    today: 'You have made 10 requests in the last minute, the most allowed. Try again in 60 s.',
  },
  {
    name: 'durationInvalid',
    refusal: refusal('duration_invalid', { problem: '`abc` is not a duration: use 90m, 2h, 1d or ISO 8601 such as PT3H' }),
    today: '`abc` is not a duration: use 90m, 2h, 1d or ISO 8601 such as PT3H.',
  },
  {
    name: 'notAdmin',
    refusal: refusal('not_admin', {}),
    today:
      'Only admins can enable JIT on a VM or change its ports. Admins are named by member ID in JIT_ADMINS, or in the policy’s `admins` (user or user-group IDs).',
  },
  {
    name: 'notAuditReader_withoutReaders_saysHowToName',
    refusal: refusal('not_audit_reader', { readers: [] }),
    today:
      'Nobody may export the audit log yet: no audit readers are named. Whoever runs the bot adds Slack user or user-group IDs to `readers` in the policy file (or to `JIT_READERS`).',
  },
  {
    name: 'notAuditReader_namesTheReaders',
    refusal: refusal('not_audit_reader', { readers: ['U0123ALICE', 'S0123SRE'] }),
    today:
      'Only the audit readers may export the audit log: <@U0123ALICE>, <!subteam^S0123SRE>. Ask one of them, or ask whoever runs the bot to add you to `readers` in the policy file.',
  },
];
