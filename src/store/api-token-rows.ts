// What the SQLite and PostgreSQL token stores share: an `api_tokens` row read
// back as a token (PostgreSQL's BIGINTs arrive as text), and the outcome a
// write rolls back with when it must write nothing (an id taken, too many live
// tokens, a token no longer live).

import type { ApiToken } from '../domain/api-token-record.js';
import type { CreateTokenOutcome } from '../ports/api-tokens.js';

export interface TokenRow {
  id: string;
  owner: string;
  name: string;
  secret_hash: string;
  created_at: number | string;
  expires_at: number | string;
  revoked_at: number | string | null;
  revoked_by: string | null;
  last_used_at: number | string | null;
}

/** Thrown inside a transaction to roll it back with an outcome rather than an error. */
export class Outcome {
  constructor(readonly value: CreateTokenOutcome | false) {}
}

/** The write's result, or the outcome it rolled back with (the store's guard may wrap it as a cause). */
export async function rolledBack<T>(write: () => Promise<T>): Promise<T | CreateTokenOutcome | false> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof Outcome) return error.value;
    if (error instanceof Error && error.cause instanceof Outcome) return error.cause.value;
    throw error;
  }
}

export function tokenOf(row: TokenRow): ApiToken {
  return {
    id: row.id,
    owner: row.owner,
    name: row.name,
    secretHash: row.secret_hash,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    ...(row.revoked_at === null ? {} : { revokedAt: Number(row.revoked_at) }),
    ...(row.revoked_by === null ? {} : { revokedBy: row.revoked_by }),
    ...(row.last_used_at === null ? {} : { lastUsedAt: Number(row.last_used_at) }),
  };
}
