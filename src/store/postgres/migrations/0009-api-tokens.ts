// Schema version 9, PostgreSQL's form of store/migrations/0009-api-tokens.ts (filled in by the REST API work).

import type { PoolClient } from 'pg';

export async function migration0009ApiTokens(_client: PoolClient): Promise<void> {}
