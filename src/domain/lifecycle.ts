// The request lifecycle (DESIGN.md "The request lifecycle"), plus `closing`:
// a grant that must be (or is being) closed on the backend. A request only
// reaches `closed` once the backend confirms, so a failed close stays `closing`
// and is retried; it never looks finished while a port may still be open.
//
// One table says, for every audit event a change of a stored request can
// carry, which states it may happen in and which state it leads to. The state
// transitions and the state lists below are derived from it, and every write
// (workflow/commit.ts) is checked against it: a change the table does not allow
// is a bug, refused before anything is written.

import { JitError } from './errors.js';
import type { AccessRequest, AuditEvent, AuditEventName, RequestState } from './types.js';

export const ALL_STATES: readonly RequestState[] = Object.freeze([
  'pending',
  'approved',
  'active',
  'closing',
  'closed',
  'denied',
  'cancelled',
  'timed_out',
  'failed',
]);

/** What an event does to the request's state: from which states, to which one (`same`: an update in place). */
interface Step {
  from: readonly RequestState[];
  to: RequestState | 'same';
}

/** Events that create a request (the insert, not a change of a stored one), and the states it may start in. */
export const CREATION_EVENTS: ReadonlySet<AuditEventName> = new Set(['request.created', 'request.approved', 'request.denied']);
export const INITIAL_STATES: readonly RequestState[] = Object.freeze(['pending', 'approved', 'denied']);

export const LIFECYCLE: Readonly<Record<Exclude<AuditEventName, 'request.created'>, Step>> = Object.freeze({
  'request.approval_added': { from: ['pending'], to: 'same' },
  'request.denial_added': { from: ['pending'], to: 'same' },
  'request.reminded': { from: ['pending'], to: 'same' },
  'request.approved': { from: ['pending'], to: 'approved' },
  'request.denied': { from: ['pending'], to: 'denied' },
  'request.cancelled': { from: ['pending'], to: 'cancelled' },
  'request.timed_out': { from: ['pending'], to: 'timed_out' },
  'grant.opened': { from: ['approved'], to: 'active' },
  'grant.open_failed': { from: ['approved'], to: 'failed' },
  // Revoked or expired; from `approved`: before the backend opened.
  'grant.closing': { from: ['approved', 'active'], to: 'closing' },
  // Reported beside `grant.closing` when reconciliation found the rules gone.
  'grant.vanished': { from: ['active'], to: 'same' },
  'grant.closed': { from: ['closing'], to: 'closed' },
  'grant.close_failed': { from: ['closing'], to: 'same' },
  'grant.extended': { from: ['active'], to: 'same' },
  'grant.expiry_warning': { from: ['active'], to: 'same' },
  // A break-glass grant is reviewed whenever an approver gets to it, open or long closed.
  'request.acknowledged': { from: ['approved', 'active', 'closing', 'closed', 'failed'], to: 'same' },
  // An approved extension holds no grant: applied, it closes; not applicable, it fails.
  'extension.applied': { from: ['approved'], to: 'closed' },
  'extension.failed': { from: ['approved'], to: 'failed' },
});

function derivedTransitions(): Record<RequestState, RequestState[]> {
  const transitions = Object.fromEntries(ALL_STATES.map((state) => [state, [] as RequestState[]])) as Record<RequestState, RequestState[]>;
  for (const step of Object.values(LIFECYCLE)) {
    if (step.to === 'same') continue;
    for (const from of step.from) if (!transitions[from].includes(step.to)) transitions[from].push(step.to);
  }
  return transitions;
}

/** Which state may follow which, from the table above. */
export const TRANSITIONS: Readonly<Record<RequestState, readonly RequestState[]>> = Object.freeze(derivedTransitions());

/** States nothing leaves. */
export const TERMINAL_STATES: readonly RequestState[] = Object.freeze(ALL_STATES.filter((state) => TRANSITIONS[state].length === 0));

/** States in which the backend may have something open: sweeps and reconciliation look here. */
export const OPEN_STATES: readonly RequestState[] = Object.freeze(['approved', 'active', 'closing']);

/** Requests that still matter to their requester: waiting, or holding (or about to hold, or release) a grant. */
export const LIVE_STATES: readonly RequestState[] = Object.freeze(['pending', ...OPEN_STATES]);

export function canTransition(from: RequestState, to: RequestState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isTerminal(state: RequestState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** Throws `jit_wrong_state` unless `from → to` is allowed. */
export function assertTransition(from: RequestState, to: RequestState, requestId?: string): void {
  if (canTransition(from, to)) return;
  const which = requestId === undefined ? 'the request' : `request ${requestId}`;
  throw new JitError('jit_wrong_state', `${which} is ${from} and cannot become ${to}`);
}

/**
 * Throws `jit_wrong_state` unless the table allows this change of `current`:
 * its events happen in order, each in the state the ones before it left (so
 * `grant.closing` then `grant.closed` take an active grant to closed in one
 * write), and the last state is the one `next` has.
 */
export function assertChange(current: AccessRequest, next: AccessRequest, events: readonly AuditEvent[]): void {
  const refuse = (why: string) => new JitError('jit_wrong_state', `request ${current.id} is ${current.state}: ${why}`);
  if (next.id !== current.id || next.kind !== current.kind) throw refuse('a change cannot turn it into another request');
  if (events.length === 0) throw refuse('a change without an audit event would go unrecorded');
  let state = current.state;
  for (const event of events) {
    if (event.name === 'request.created') throw refuse('it exists already');
    const step = LIFECYCLE[event.name];
    if (!step.from.includes(state)) throw refuse(state === current.state ? `${event.name} cannot happen now` : `${event.name} cannot follow in state ${state}`);
    if (step.to === 'same') continue;
    assertTransition(state, step.to, current.id);
    state = step.to;
  }
  if (state !== next.state) throw refuse(`${events.map((event) => event.name).join(' + ')} cannot make it ${next.state}`);
}

/** Throws `jit_wrong_state` unless a new request starts as the table allows: created, and settled at once or not. */
export function assertCreation(request: AccessRequest, events: readonly AuditEvent[]): void {
  const refuse = (why: string) => new JitError('jit_wrong_state', `new request ${request.id}: ${why}`);
  if (!INITIAL_STATES.includes(request.state)) throw refuse(`a request cannot start ${request.state}`);
  if (events[0]?.name !== 'request.created') throw refuse('its first event must be request.created');
  if (events.some((event) => !CREATION_EVENTS.has(event.name))) throw refuse('only its creation and its settlement are recorded with it');
}
