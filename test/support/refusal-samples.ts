// Sample params for every refusal code, and each code's error category written
// out by hand. The mapped types make a new code without a sample or a category
// a compile error, so the "every code renders" tests cannot silently skip one.

import type { JitErrorCode } from '../../src/domain/errors.js';
import { type ParamsOf, type Refusal, type RefusalCode, refusal } from '../../src/domain/refusals.js';

/** Text a user or a policy author could have typed: every mrkdwn control character, a mention, a newline. */
export const HOSTILE = 'web<1> & <!channel> <@U666>\n\u001b[31m';

const WHEN = Date.UTC(2026, 10, 28, 9);

export const SAMPLES: { [K in RefusalCode]: ParamsOf<K> } = {
  unknown_caller: {},
  request_missing: {},
  rate_limited: { max: 10, retryAfterSeconds: 60 },
  duration_invalid: { problem: `\`${HOSTILE}\` is not a duration` },
  not_admin: {},
  not_audit_reader: { readers: ['U0123ALICE', 'S0123SRE', HOSTILE] },
  not_found: { id: HOSTILE },
  already_decided: { id: HOSTILE, state: 'timed_out', decidedBy: HOSTILE },
  decision_raced: { id: HOSTILE },
  approve_own_request: { id: HOSTILE },
  approve_not_request_approver: { id: HOSTILE, approvers: ['U0123ALICE', 'S0123SRE', HOSTILE] },
  approve_already_approved: { id: HOSTILE },
  approve_after_deny: { id: HOSTILE },
  not_current_approver: { id: HOSTILE },
  deny_own_request: { id: HOSTILE },
  deny_not_request_approver: { id: HOSTILE },
  deny_after_approve: { id: HOSTILE },
  deny_already_denied: { id: HOSTILE },
  cancel_not_requester: { id: HOSTILE },
  cancel_already_open: { id: HOSTILE, state: 'active' },
  cancel_already_ended: { id: HOSTILE, state: 'timed_out' },
  cancel_raced: { id: HOSTILE },
  revoke_not_allowed: { id: HOSTILE },
  revoke_no_longer_approver: { id: HOSTILE },
  revoke_pending: { id: HOSTILE },
  revoke_nothing_open: { id: HOSTILE, state: 'closed' },
  ack_not_break_glass: { id: HOSTILE },
  ack_never_opened: { id: HOSTILE, state: 'denied' },
  ack_already: { id: HOSTILE, by: HOSTILE },
  ack_own_grant: { id: HOSTILE },
  ack_not_request_approver: { id: HOSTILE },
  ack_raced: { id: HOSTILE },
  extend_not_requester: { id: HOSTILE },
  extend_not_open: { id: HOSTILE, state: 'timed_out' },
  extend_past_end: { id: HOSTILE },
  extend_stale: { id: HOSTILE, endAt: WHEN },
  extension_waiting: { id: HOSTILE, extensionId: HOSTILE, addedSeconds: 7_200 },
  extend_no_maximum: { id: HOSTILE, why: HOSTILE },
  extend_denied: { id: HOSTILE, totalSeconds: 14_400, reasons: [HOSTILE, HOSTILE] },
  extend_justification: { id: HOSTILE, problem: HOSTILE },
  extend_no_approvers: { id: HOSTILE, totalSeconds: 14_400, reasons: [HOSTILE] },
  extend_backend_failed: { id: HOSTILE, endAt: WHEN },
  extend_raced: { id: HOSTILE },
};

export const CATEGORY: Record<RefusalCode, JitErrorCode> = {
  unknown_caller: 'jit_not_allowed',
  request_missing: 'jit_not_found',
  rate_limited: 'jit_rate_limited',
  duration_invalid: 'jit_duration_invalid',
  not_admin: 'jit_not_allowed',
  not_audit_reader: 'jit_not_allowed',
  not_found: 'jit_not_found',
  already_decided: 'jit_wrong_state',
  decision_raced: 'jit_not_approver',
  approve_own_request: 'jit_not_approver',
  approve_not_request_approver: 'jit_not_approver',
  approve_already_approved: 'jit_not_approver',
  approve_after_deny: 'jit_not_allowed',
  not_current_approver: 'jit_not_approver',
  deny_own_request: 'jit_not_allowed',
  deny_not_request_approver: 'jit_not_approver',
  deny_after_approve: 'jit_not_allowed',
  deny_already_denied: 'jit_not_allowed',
  cancel_not_requester: 'jit_not_allowed',
  cancel_already_open: 'jit_wrong_state',
  cancel_already_ended: 'jit_wrong_state',
  cancel_raced: 'jit_wrong_state',
  revoke_not_allowed: 'jit_not_allowed',
  revoke_no_longer_approver: 'jit_not_allowed',
  revoke_pending: 'jit_wrong_state',
  revoke_nothing_open: 'jit_wrong_state',
  ack_not_break_glass: 'jit_wrong_state',
  ack_never_opened: 'jit_wrong_state',
  ack_already: 'jit_wrong_state',
  ack_own_grant: 'jit_not_allowed',
  ack_not_request_approver: 'jit_not_approver',
  ack_raced: 'jit_wrong_state',
  extend_not_requester: 'jit_not_allowed',
  extend_not_open: 'jit_wrong_state',
  extend_past_end: 'jit_wrong_state',
  extend_stale: 'jit_wrong_state',
  extension_waiting: 'jit_wrong_state',
  extend_no_maximum: 'jit_not_allowed',
  extend_denied: 'jit_not_allowed',
  extend_justification: 'jit_not_allowed',
  extend_no_approvers: 'jit_not_allowed',
  extend_backend_failed: 'jit_backend_failed',
  extend_raced: 'jit_wrong_state',
};

/** The sample refusal of one code. */
export function sample(code: RefusalCode): Refusal {
  return refusal(code, SAMPLES[code]);
}
