// A stored REST API token and what its fields say: live, revoked or expired,
// and the audit events that tell of it (never its secret). Pure data.

import { formatUtc } from './duration.js';
import type { SystemEvent } from './types.js';

export interface ApiToken {
  /** Public: shown in lists and the audit log (`k7m2qpab`). */
  id: string;
  /** The Slack user it acts as. */
  owner: string;
  /** What its owner called it (`deploy script`); may be empty. */
  name: string;
  /** SHA-256 of the secret, hex (api-token.ts). */
  secretHash: string;
  createdAt: number;
  expiresAt: number;
  revokedAt?: number;
  revokedBy?: string;
  lastUsedAt?: number;
}

export type TokenStatus = 'live' | 'revoked' | 'expired';

/** A revoked token stays revoked after its expiry: revoked is what it says. */
export function tokenStatus(token: Pick<ApiToken, 'expiresAt' | 'revokedAt'>, now: number): TokenStatus {
  if (token.revokedAt !== undefined) return 'revoked';
  return token.expiresAt <= now ? 'expired' : 'live';
}

/** `k7m2qpab "deploy script"`: how a token is named in messages and the audit log. */
export function tokenLabel(token: Pick<ApiToken, 'id' | 'name'>): string {
  return token.name === '' ? token.id : `${token.id} "${token.name}"`;
}

export function tokenCreatedEvent(token: ApiToken): SystemEvent {
  return {
    name: 'api.token_created',
    actor: token.owner,
    at: token.createdAt,
    detail: `token ${tokenLabel(token)}, expires ${formatUtc(token.expiresAt)}`,
  };
}

export function tokenRevokedEvent(token: Pick<ApiToken, 'id' | 'name' | 'owner'>, by: string, at: number): SystemEvent {
  const whose = by === token.owner ? '' : ` (owner ${token.owner})`;
  return { name: 'api.token_revoked', actor: by, at, detail: `token ${tokenLabel(token)}${whose}` };
}

/** Recorded before the call acts: who (the owner), with which token, what call. */
export function tokenUsedEvent(token: Pick<ApiToken, 'id' | 'owner'>, method: string, path: string, at: number): SystemEvent {
  return { name: 'api.token_used', actor: token.owner, at, detail: `token ${token.id}: ${method} ${path}` };
}
