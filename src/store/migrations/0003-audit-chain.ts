// Schema version 3: the audit log becomes a hash chain (see ../audit-chain.ts).
// Rows written before this version are chained here, in order, so the chain
// covers the whole history from the first row on.

import type { Database } from 'better-sqlite3';
import { GENESIS, rowHash, type ChainRow } from '../../domain/audit-chain.js';

export function migration0003AuditChain(db: Database): void {
  db.exec(`
    ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
    ALTER TABLE audit_events ADD COLUMN hash TEXT;
  `);
  const rows = db
    .prepare<[], ChainRow>('SELECT seq, request_id AS requestId, name, actor, at, detail, prev_hash AS prevHash, hash FROM audit_events ORDER BY seq')
    .all();
  const update = db.prepare<[string, string, number]>('UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?');
  let previous = GENESIS;
  for (const row of rows) {
    const hash = rowHash(row, previous);
    update.run(previous, hash, row.seq);
    previous = hash;
  }
}
