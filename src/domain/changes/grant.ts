// The changes a grant goes through on the firewall's word: opened (or not),
// closing, closed (or not yet), extended, and the warning before its end.
// Written only after the backend answered: active after it opened, closed
// after it confirmed the close, a new end after it took the new end.

import { formatDuration } from '../duration.js';
import { type Change, announce, auditEvent } from '../change.js';
import type { Notification } from '../notification.js';
import type { AccessRequest, Endpoint, GrantRequest } from '../types.js';

/** Failed close attempts reported in the request's audit thread (then every tenth). */
const CLOSE_REPORT_ATTEMPTS = new Set([1, 3]);
/** From this many failed attempts on (then every tenth), a loud top-level alert. */
const CLOSE_ALERT_AFTER = 3;

export type CloseReason = 'expired' | 'revoked' | 'vanished';

/** The grant is open; `endpoints` say where to connect when a firewall translates the address (OpenedGrant). */
export function opened(current: AccessRequest, startAt: number, endAt: number, endpoints?: readonly Endpoint[]): Change {
  const translated = endpoints !== undefined && endpoints.length > 0 && current.kind === 'grant';
  const next: AccessRequest = { ...current, state: 'active', startAt, endAt, ...(translated ? { endpoints: [...endpoints] } : {}) };
  // In the chained audit log too: who could reach the VM through which public address and port.
  const event = auditEvent('grant.opened', next, 'system', startAt, translated ? endpointsDetail(endpoints) : undefined);
  return { next, events: [event], notifications: announce(event, next, { dm: true }) };
}

/** `through 20.1.2.3:50022 → 22/TCP, 20.1.2.3:53389 → 3389/TCP` */
export function endpointsDetail(endpoints: readonly Endpoint[]): string {
  const hostPort = (e: Endpoint) => (e.host.includes(':') ? `[${e.host}]:${e.hostPort}` : `${e.host}:${e.hostPort}`);
  return `through ${endpoints.map((e) => `${hostPort(e)} → ${e.port}/${e.protocol === '*' ? 'any' : e.protocol}`).join(', ')}`;
}

export function openFailed(current: AccessRequest, message: string, now: number): Change {
  const next: AccessRequest = { ...current, state: 'failed', reason: `the firewall could not open the port: ${message}` };
  const event = auditEvent('grant.open_failed', next, 'system', now, message);
  return { next, events: [event], notifications: announce(event, next, { dm: true }) };
}

/**
 * The grant must close: its time is up, someone revoked it, or its rules
 * vanished from the firewall (drift: reported in the thread and, loudly, at
 * the top of the audit channel). `drift` says what vanished.
 */
export function closing(current: AccessRequest, actor: string, why: CloseReason, now: number, drift?: string): Change {
  const next: AccessRequest = { ...current, state: 'closing', reason: why, ...(why === 'revoked' ? { decidedBy: actor } : {}) };
  const event = auditEvent('grant.closing', next, actor, now, why);
  if (why !== 'vanished') return { next, events: [event], notifications: announce(event, next) };
  const vanished = auditEvent('grant.vanished', next, actor, now, drift);
  return {
    next,
    events: [vanished, event],
    notifications: [...announce(vanished, next), { kind: 'alert', event: vanished, request: next }, ...announce(event, next)],
  };
}

/** The backend confirmed the close; a grant closed before its end records when it really ended. */
export function closed(current: AccessRequest, now: number): Change {
  const next: AccessRequest = { ...current, state: 'closed', ...(current.endAt === undefined || current.endAt > now ? { endAt: now } : {}) };
  const event = auditEvent('grant.closed', next, 'system', now, current.reason);
  return { next, events: [event], notifications: announce(event, next, { dm: true }) };
}

/**
 * An expiry the firewall carried out by itself (its rules hold the grant's
 * end: nftables element timeouts), confirmed afterwards: `closing` (begun at
 * `closingAt`) and `closed` in one change, with the events, messages and
 * snapshots the two changes would have, for one write instead of two. Before
 * it is written the grant is still `active` past its end, which the sweep
 * closes again after a crash, as it closes any grant past its end.
 */
export function closedAtEnd(current: AccessRequest, closingAt: number, now: number): Change {
  const begun = closing(current, 'system', 'expired', closingAt);
  const done = closed(begun.next, now);
  return { next: done.next, events: [...begun.events, ...done.events], notifications: [...begun.notifications, ...done.notifications] };
}

/** A close the backend refused; it is retried. Told on the 1st and 3rd attempt and every tenth, loudly from the 3rd. */
export function closeFailed(current: GrantRequest, message: string, now: number): Change<GrantRequest> {
  const attempts = (current.closeAttempts ?? 0) + 1;
  const next: GrantRequest = { ...current, closeAttempts: attempts };
  const event = auditEvent('grant.close_failed', next, 'system', now, `attempt ${attempts}: ${message}`);
  const tenth = attempts % 10 === 0;
  const notifications: Notification[] = [
    ...(CLOSE_REPORT_ATTEMPTS.has(attempts) || tenth ? announce(event, next) : []),
    ...(attempts === CLOSE_ALERT_AFTER || tenth ? [{ kind: 'alert' as const, event, request: next }] : []),
  ];
  return { next, events: [event], notifications };
}

/**
 * The grant's end moves to `endAt`: by the requester's own extension, or
 * (`appliedExtension`) by an approved extension request, applied once.
 */
export function extended(current: GrantRequest, endAt: number, actor: string, now: number, detail: string, appliedExtension?: string): Change<GrantRequest> {
  const next: GrantRequest = {
    ...current,
    endAt,
    extensions: (current.extensions ?? 0) + 1,
    ...(appliedExtension === undefined ? {} : { appliedExtensions: [...(current.appliedExtensions ?? []), appliedExtension] }),
  };
  const event = auditEvent('grant.extended', next, actor, now, detail);
  return { next, events: [event], notifications: announce(event, next, { dm: true, updateApproval: true }) };
}

/**
 * The requester's DM shortly before the end, once per end: the end warned
 * about is stored with it. The audit table keeps the event; the audit thread
 * is spared the noise.
 */
export function expiryWarned(current: GrantRequest & { endAt: number }, now: number): Change<GrantRequest> {
  const next: GrantRequest = { ...current, expiryWarnedFor: current.endAt };
  const event = auditEvent('grant.expiry_warning', next, 'system', now, `ends in ${formatDuration(Math.ceil((current.endAt - now) / 1000))}`);
  return { next, events: [event], notifications: [{ kind: 'requester_dm', event: event.name, request: next }] };
}
