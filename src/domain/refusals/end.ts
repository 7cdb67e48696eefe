// Refusals of ending a request early: the requester's Cancel, anyone's Revoke
// (workflow/end-request.ts), and reviewing a break-glass grant afterwards
// (workflow/acknowledge.ts).

import { command, msg, user } from '../message.js';
import type { RequestState } from '../types.js';
import { type Entries, type OfRequest, spaced } from './entry.js';

type InState = OfRequest & { state: RequestState };

export const END_REFUSALS = {
  cancel_not_requester: {
    error: 'jit_not_allowed',
    message: ({ id }: OfRequest) => msg`Only the requester can cancel request #${id}. Approvers can deny it from the approval message.`,
  },
  cancel_already_open: {
    error: 'jit_wrong_state',
    message: ({ id, state }: OfRequest & { state: 'approved' | 'active' }) =>
      msg`Request #${id} is already ${state}: use ${command(`jit revoke ${id}`)} to close it now.`,
  },
  cancel_already_ended: {
    error: 'jit_wrong_state',
    message: ({ id, state }: InState) => msg`Request #${id} is already ${spaced(state)}; nothing to cancel.`,
  },
  /** The compare-and-swap of a cancel lost. */
  cancel_raced: {
    error: 'jit_wrong_state',
    message: ({ id }: OfRequest) => msg`Request #${id} changed while you cancelled it: check ${command('jit list')}.`,
  },
  revoke_not_allowed: {
    error: 'jit_not_allowed',
    message: ({ id }: OfRequest) => msg`Only the requester or an approver can revoke request #${id}.`,
  },
  /** An approver the policy no longer names: told why, as for approve and deny. */
  revoke_no_longer_approver: {
    error: 'jit_not_allowed',
    message: ({ id }: OfRequest) => msg`You are no longer an approver in the current policy, so you cannot revoke request #${id}.`,
  },
  revoke_pending: {
    error: 'jit_wrong_state',
    message: ({ id }: OfRequest) => msg`Request #${id} is still pending: use ${command(`jit cancel ${id}`)} to withdraw it.`,
  },
  revoke_nothing_open: {
    error: 'jit_wrong_state',
    message: ({ id, state }: InState) => msg`Request #${id} is ${spaced(state)}; there is no open grant to revoke.`,
  },
  ack_not_break_glass: {
    error: 'jit_wrong_state',
    message: ({ id }: OfRequest) => msg`Request #${id} was not a break-glass grant; there is nothing to acknowledge.`,
  },
  /** A break-glass request that never opened (denied with the rest of its batch, say). */
  ack_never_opened: {
    error: 'jit_wrong_state',
    message: ({ id, state }: InState) =>
      msg`Break-glass request #${id} was ${spaced(state)} before it opened: no access was granted, so there is nothing to review.`,
  },
  ack_already: {
    error: 'jit_wrong_state',
    message: ({ id, by }: OfRequest & { by: string }) => msg`Break-glass grant #${id} was already acknowledged by ${user(by)}.`,
  },
  ack_own_grant: {
    error: 'jit_not_allowed',
    message: ({ id }: OfRequest) => msg`You cannot review your own break-glass grant #${id}: another approver must.`,
  },
  ack_not_request_approver: {
    error: 'jit_not_approver',
    message: ({ id }: OfRequest) => msg`You are not an approver for break-glass grant #${id}, so you cannot acknowledge it.`,
  },
  /** The compare-and-swap of an acknowledgement lost. */
  ack_raced: {
    error: 'jit_wrong_state',
    message: ({ id }: OfRequest) => msg`Break-glass grant #${id} changed while you acknowledged it: try again.`,
  },
} satisfies Entries;
