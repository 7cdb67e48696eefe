// Schema version 3, PostgreSQL's form of store/migrations/0003-audit-chain.ts:
// the audit log becomes a hash chain, and rows written before are chained here,
// in order, so the chain covers the whole history.

import type { PoolClient } from 'pg';
import { GENESIS, rowHash, type ChainRow } from '../../../domain/audit-chain.js';

export async function migration0003AuditChain(client: PoolClient): Promise<void> {
  await client.query(`
    ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
    ALTER TABLE audit_events ADD COLUMN hash TEXT;
  `);
  const { rows } = await client.query<ChainRow>(
    'SELECT seq, request_id AS "requestId", name, actor, at, detail, prev_hash AS "prevHash", hash FROM audit_events ORDER BY seq',
  );
  let previous = GENESIS;
  for (const row of rows) {
    const hash = rowHash(row, previous);
    await client.query('UPDATE audit_events SET prev_hash = $1, hash = $2 WHERE seq = $3', [previous, hash, row.seq]);
    previous = hash;
  }
}
