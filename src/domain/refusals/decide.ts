// Refusals of an Approve or Deny click (workflow/decide-request.ts), and of
// looking a request up at all. Every sentence is the one users saw before the
// catalogue, word for word; only the approver list now names people as mentions.

import { command, msg, principals, user } from '../message.js';
import type { RequestState } from '../types.js';
import { type Entries, notChanged, type OfRequest, spaced } from './entry.js';

export const DECIDE_REFUSALS = {
  not_found: {
    error: 'jit_not_found',
    message: ({ id }: OfRequest) => msg`There is no request #${id}. Check the ID with ${command('jit list')}.`,
  },
  /** Decided already; `decidedBy` is named unless it is absent or `system`. */
  already_decided: {
    error: 'jit_wrong_state',
    message: ({ id, state, decidedBy }: OfRequest & { state: RequestState; decidedBy?: string }) =>
      notChanged(id, msg`it is already ${spaced(state)}${decidedBy && decidedBy !== 'system' ? msg` (by ${user(decidedBy)})` : ''}`),
  },
  /** The compare-and-swap lost while the request was still pending. */
  decision_raced: {
    error: 'jit_not_approver',
    message: ({ id }: OfRequest) => notChanged(id, 'someone else acted on it at the same moment'),
  },
  approve_own_request: {
    error: 'jit_not_approver',
    message: ({ id }: OfRequest) => notChanged(id, 'you cannot approve your own request'),
  },
  /** `approvers`: the request's, as its decision names them. */
  approve_not_request_approver: {
    error: 'jit_not_approver',
    message: ({ id, approvers }: OfRequest & { approvers: readonly string[] }) =>
      notChanged(id, msg`you are not an approver for request ${id}: approvers are ${principals(approvers)}`),
  },
  approve_already_approved: {
    error: 'jit_not_approver',
    message: ({ id }: OfRequest) => notChanged(id, msg`you have already approved request ${id}`),
  },
  approve_after_deny: {
    error: 'jit_not_allowed',
    message: ({ id }: OfRequest) => msg`You denied request #${id}, so you cannot also approve it.`,
  },
  /** Named by the request but no longer by the policy: approve, deny and acknowledge alike. */
  not_current_approver: {
    error: 'jit_not_approver',
    message: ({ id }: OfRequest) => msg`You are no longer an approver in the current policy, so you cannot decide request #${id}.`,
  },
  deny_own_request: {
    error: 'jit_not_allowed',
    message: ({ id }: OfRequest) => msg`You cannot deny your own request #${id}: use ${command(`jit cancel ${id}`)} to withdraw it.`,
  },
  deny_not_request_approver: {
    error: 'jit_not_approver',
    message: ({ id }: OfRequest) => msg`You are not an approver for request #${id}, so you cannot deny it.`,
  },
  /** Only where a Deny does not end the request (`denyEndsRequest: false`). */
  deny_after_approve: {
    error: 'jit_not_allowed',
    message: ({ id }: OfRequest) => msg`You approved request #${id}, so you cannot also deny it.`,
  },
  deny_already_denied: {
    error: 'jit_not_allowed',
    message: ({ id }: OfRequest) => msg`You have already denied request #${id}; it still waits for the other approvers.`,
  },
} satisfies Entries;
