// What kind of request a stored one is, decided in one place. A request either
// opens a grant of its own (`grant`: one VM, possibly one member of a batch,
// possibly opened by break-glass) or extends another one (`extension`). Code
// branches on `kind`, and reads the kind-specific fields through these helpers,
// never by testing which optional fields happen to be set.

import type { Notification } from './notification.js';
import type { AccessRequest, GrantRequest } from './types.js';

/**
 * A request as stored before `kind` existed (schema 5 and earlier keep the
 * whole request as JSON): its kind follows from the one field only an
 * extension had. Every read of a stored request goes through here.
 */
export function withKind(stored: Omit<AccessRequest, 'kind'> & { kind?: AccessRequest['kind']; extends?: string }): AccessRequest {
  if (stored.kind !== undefined) return stored as AccessRequest;
  return { ...stored, kind: stored.extends === undefined ? 'grant' : 'extension' } as AccessRequest;
}

/** A notification as stored: its request snapshot (if it has one) read like any stored request. */
export function notificationWithKind(stored: Notification): Notification {
  return 'request' in stored ? ({ ...stored, request: withKind(stored.request) } as Notification) : stored;
}

/** The batch (its leader's id) a grant belongs to; a batch is made of grants only. */
export function batchIdOf(request: AccessRequest): string | undefined {
  return request.kind === 'grant' ? request.batchId : undefined;
}

/** A grant the requester opened without approval, to be reviewed afterwards. */
export function isBreakGlass(request: AccessRequest): request is GrantRequest {
  return request.kind === 'grant' && request.decision.effect === 'break_glass';
}

/** Who reviewed a break-glass grant, and when; undefined until someone did (or for any other request). */
export function reviewOf(request: AccessRequest): { by: string; at?: number } | undefined {
  if (request.kind !== 'grant' || request.acknowledgedBy === undefined) return undefined;
  return { by: request.acknowledgedBy, ...(request.acknowledgedAt === undefined ? {} : { at: request.acknowledgedAt }) };
}
