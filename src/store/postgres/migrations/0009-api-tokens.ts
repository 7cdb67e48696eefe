// Schema version 9, PostgreSQL's form of store/migrations/0009-api-tokens.ts:
// REST API tokens, one row each, only the secret's SHA-256 kept; revoked and
// expired tokens keep their rows. An index on each owner's tokens, which the
// live-token limit counts.

import type { PoolClient } from 'pg';

export async function migration0009ApiTokens(client: PoolClient): Promise<void> {
  await client.query(`
    CREATE TABLE api_tokens (
      id TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      name TEXT NOT NULL,
      secret_hash TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL,
      revoked_at BIGINT,
      revoked_by TEXT,
      last_used_at BIGINT
    );

    CREATE INDEX api_tokens_owner ON api_tokens (owner, expires_at);
  `);
}
