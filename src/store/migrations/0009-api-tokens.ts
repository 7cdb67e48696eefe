// Schema version 9: REST API tokens (the same version exists for PostgreSQL,
// store/postgres/migrations/).
//
// - `api_tokens`: one row per token a user created with `/jit token create`.
//   Only the secret's SHA-256 is kept (`secret_hash`, hex); the id is public.
//   A revoked token keeps its row (who revoked it, when), as does an expired
//   one: the audit log names them. `last_used_at` moves with every call.
// - An index on each owner's tokens, which the live-token limit counts.

import type { Database } from 'better-sqlite3';

export function migration0009ApiTokens(db: Database): void {
  db.exec(`
    CREATE TABLE api_tokens (
      id TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      name TEXT NOT NULL,
      secret_hash TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      revoked_at INTEGER,
      revoked_by TEXT,
      last_used_at INTEGER
    ) STRICT;

    CREATE INDEX api_tokens_owner ON api_tokens (owner, expires_at);
  `);
}
