// The audit hash chain in PostgreSQL, tampered with by hand as a database
// administrator could: an edited, deleted, swapped or inserted row is named,
// as it is in a SQLite file (test/store/audit-chain.test.ts).

import { expect, it } from 'vitest';
import { PostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { admin, describePg, PG_URL, pgScratch } from '../../support/postgres.js';
import { createHarness, liveThroughAFewGrants } from '../../support/workflow-harness.js';
import { TAMPER_CASES } from '../tamper-cases.js';

describePg('audit hash chain on PostgreSQL', () => {
  const scratch = pgScratch();

  it.each(TAMPER_CASES)('verify_with%s_namesTheFirstBadRow', async (_name, sql, expected) => {
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
