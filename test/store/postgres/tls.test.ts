// JIT_DB over TLS: `sslmode` in the URL, as node-postgres reads it. A server
// with a certificate the URL trusts is reached encrypted; one it does not
// trust is refused with the reason, before the bot starts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { type PrivatePostgres, privatePostgresUnavailable, startPrivatePostgres } from '../../support/pg-server.js';
import { query } from '../../replicas/support.js';

const unavailable = privatePostgresUnavailable();
if (unavailable && process.env.JIT_TEST_PG_REQUIRED === '1') throw new Error(`JIT_TEST_PG_REQUIRED=1, but the TLS test cannot run: ${unavailable}`);
if (unavailable) console.warn(`PostgreSQL TLS test skipped: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('PostgreSQL over TLS', () => {
  let server: PrivatePostgres;
  beforeAll(async () => {
    server = await startPrivatePostgres({ ssl: true });
  }, 60_000);
  afterAll(async () => {
    await server?.destroy();
  });

  it('sslmodeVerifyFull_withTheServersCertificateTrusted_connectsEncrypted', async () => {
    const url = `${server.url}?sslmode=verify-full&sslrootcert=${encodeURIComponent(server.certificate!)}`;
    const store = await PostgresStore.open(url, { poolSize: 1 });
    try {
      expect(await store.ping()).toBe(true);
      const [row] = await query<{ encrypted: boolean }>(
        url,
        'SELECT bool_and(ssl) AS encrypted FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE datname IS NOT NULL',
      );
      expect(row?.encrypted).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('sslmodeVerifyFull_withoutTrustingTheCertificate_isRefusedWithTheReason', async () => {
    await expect(PostgresStore.open(`${server.url}?sslmode=verify-full`, { poolSize: 1 })).rejects.toThrow(/could not open .*self[- ]signed certificate/i);
  });
});
