// The request state machine (DESIGN.md "The request lifecycle"), plus `closing`:
// a grant that must be (or is being) closed on the backend. A request only
// reaches `closed` once the backend confirms, so a failed close stays `closing`
// and is retried; it never looks finished while a port may still be open.

import { JitError } from './errors.js';
import type { RequestState } from './types.js';

export const TRANSITIONS: Readonly<Record<RequestState, readonly RequestState[]>> = Object.freeze({
  pending: ['approved', 'denied', 'cancelled', 'timed_out'],
  // closing: revoked or expired after approval but before the backend opened.
  // closed: an approved extension applied to its original; it never held a grant of its own.
  approved: ['active', 'failed', 'closing', 'closed'],
  active: ['closing'],
  closing: ['closed'],
  closed: [],
  denied: [],
  cancelled: [],
  timed_out: [],
  failed: [],
});

/** States nothing leaves. */
export const TERMINAL_STATES: readonly RequestState[] = Object.freeze(['closed', 'denied', 'cancelled', 'timed_out', 'failed']);

/** States in which the backend may have something open: sweeps and reconciliation look here. */
export const OPEN_STATES: readonly RequestState[] = Object.freeze(['approved', 'active', 'closing']);

export function canTransition(from: RequestState, to: RequestState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isTerminal(state: RequestState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** Throws `jit_wrong_state` unless `from → to` is allowed; for use cases before they write. */
export function assertTransition(from: RequestState, to: RequestState, requestId?: string): void {
  if (canTransition(from, to)) return;
  const which = requestId === undefined ? 'the request' : `request ${requestId}`;
  throw new JitError('jit_wrong_state', `${which} is ${from} and cannot become ${to}`);
}
