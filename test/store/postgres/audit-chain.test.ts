// The audit hash chain in PostgreSQL, tampered with by hand as a database
// administrator could: an edited, deleted, swapped or inserted row is named,
// as it is in a SQLite file (test/store/audit-chain.test.ts).

import { expect, it } from 'vitest';
import { PostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { admin, describePg, PG_URL, pgScratch } from '../../support/postgres.js';
import { createHarness, liveThroughAFewGrants } from '../../support/workflow-harness.js';

describePg('audit hash chain on PostgreSQL', () => {
  const scratch = pgScratch();

  it.each([
    ['an edited detail', "UPDATE audit_events SET actor = 'UMALLORY' WHERE seq = 5", { seq: 5, problem: 'edited' }],
    ['a deleted row', 'DELETE FROM audit_events WHERE seq = 7', { seq: 8, problem: 'deleted_or_reordered_before' }],
    [
      'two rows swapped',
      'UPDATE audit_events SET seq = -1 WHERE seq = 3; UPDATE audit_events SET seq = 3 WHERE seq = 4; UPDATE audit_events SET seq = 4 WHERE seq = -1',
      { seq: 3, problem: 'deleted_or_reordered_before' },
    ],
    [
      'a row inserted by hand',
      "INSERT INTO audit_events (seq, request_id, name, actor, at) SELECT 1000, request_id, 'grant.closed', 'UMALLORY', 0 FROM audit_events LIMIT 1",
      { seq: 1000, problem: 'deleted_or_reordered_before' },
    ],
  ])('verify_with%s_namesTheFirstBadRow', async (_name, sql, expected) => {
    const schema = await scratch.schema();
    const store = scratch.track(await PostgresStore.open(PG_URL, { schema, poolSize: 2 }));
    const h = createHarness({ store });
    try {
      await liveThroughAFewGrants(h);
      expect(await store.verifyAuditChain()).toMatchObject({ ok: true });

      await admin((client) => client.query(`SET search_path TO ${schema}; ${sql}`));

      expect(await store.verifyAuditChain()).toMatchObject({ ok: false, ...expected });
    } finally {
      h.cleanup();
    }
  });
});
