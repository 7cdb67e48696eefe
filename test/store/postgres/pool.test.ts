// The PostgreSQL store's connections: the pool size is a ceiling, an
// unreachable server fails open() with jit_store_failed (never echoing the
// password) and makes ping() answer false rather than throw.

import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { expect, it } from 'vitest';
import { PostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { admin, describePg, PG_URL, pgScratch } from '../../support/postgres.js';

/** A TCP relay to the test server that can be cut, as a network failure would. */
async function relay(): Promise<{ url: string; cut(): Promise<void> }> {
  const target = new URL(PG_URL);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(Number(target.port || 5432), target.hostname);
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(PG_URL);
  url.host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    url: url.toString(),
    cut: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

describePg('PostgreSQL store connections', () => {
  const scratch = pgScratch();

  it('open_withPoolSizeTwo_neverHoldsMoreThanTwoConnections', async () => {
    const schema = await scratch.schema();
    const name = `jit-pool-test-${randomBytes(4).toString('hex')}`;
    const store = scratch.track(await PostgresStore.open(PG_URL, { schema, poolSize: 2, applicationName: name }));
    const blocker = new pg.Client({ connectionString: PG_URL });
    await blocker.connect();
    const count = async (where = '') =>
      (await admin((client) => client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 ${where}`, [name])))
        .rows[0]!.n;
    try {
      await blocker.query(`BEGIN; LOCK TABLE ${schema}.requests IN ACCESS EXCLUSIVE MODE`);
      const reads = Array.from({ length: 6 }, () => store.getRequest('abc234'));
      for (let i = 0; i < 100 && (await count("AND wait_event_type = 'Lock'")) < 2; i++) await sleep(20);
      await sleep(200);

      expect(await count()).toBe(2);
      await blocker.query('COMMIT');
      expect(await Promise.all(reads)).toEqual(Array(6).fill(undefined));
    } finally {
      await blocker.end();
    }
  });

  it('open_withAPoolSizeBelowOne_isRefused', async () => {
    await expect(PostgresStore.open(PG_URL, { poolSize: 0 })).rejects.toMatchObject({ code: 'jit_config_invalid' });
  });

  it('open_whenTheServerCannotBeReached_failsWithJitError_namingItWithoutThePassword', async () => {
    const opening = PostgresStore.open('postgres://jit:s3cret-pw@127.0.0.1:1/jitdb');

    await expect(opening).rejects.toMatchObject({
      code: 'jit_store_failed',
      message: expect.stringMatching(/^could not open postgres:\/\/127\.0\.0\.1:1\/jitdb: /),
    });
    await expect(opening).rejects.not.toThrow(/s3cret/);
  });

  it('ping_whenTheServerBecomesUnreachable_resolvesFalse_andReadsFailAsStoreErrors', async () => {
    const schema = await scratch.schema();
    const link = await relay();
    const store = scratch.track(await PostgresStore.open(link.url, { schema, poolSize: 1 }));
    expect(await store.ping()).toBe(true);

    await link.cut();

    expect(await store.ping()).toBe(false);
    await expect(store.getRequest('abc234')).rejects.toMatchObject({ code: 'jit_store_failed' });
  });
});
