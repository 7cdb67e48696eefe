// The per-request lock across replicas: two PgRequestLocks (two processes, as
// far as PostgreSQL can tell) serialise work on one request and not on two, a
// holder whose connection dies frees the request, and a stuck holder makes the
// next one fail clearly instead of hanging.

import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { PgRequestLock, type PgRequestLockOptions } from '../../../src/store/postgres/lock.js';
import { admin, describePg, PG_URL, pgScratch } from '../../support/postgres.js';

function gate(): { opened: Promise<void>; open(): void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await condition()); i++) await sleep(25);
}

describePg('PgRequestLock', () => {
  const scratch = pgScratch();
  const lock = (options: PgRequestLockOptions = {}) => scratch.track(new PgRequestLock(PG_URL, options));
  /** A request id of this test alone: advisory locks are per database, and test files run side by side. */
  const key = () => `req-${randomBytes(4).toString('hex')}`;

  it('run_onOneKeyFromTwoReplicas_runsTheSecondOnlyOnceTheFirstHasFinished', async () => {
    const [a, b, id, held] = [lock(), lock(), key(), gate()];
    const log: string[] = [];
    const first = a.run(id, async () => {
      log.push('a started');
      await held.opened;
      log.push('a finished');
      return 'a';
    });
    await until(() => log.length > 0);

    const second = b.run(id, async () => {
      log.push('b started');
      return 'b';
    });
    await sleep(300);
    expect(log).toEqual(['a started']);
    held.open();

    expect(await Promise.all([first, second])).toEqual(['a', 'b']);
    expect(log).toEqual(['a started', 'a finished', 'b started']);
  });

  it('run_onDifferentKeys_doesNotWait', async () => {
    const [a, b, held] = [lock(), lock(), gate()];
    const first = a.run(key(), () => held.opened.then(() => 'a'));

    expect(await b.run(key(), async () => 'b')).toBe('b');
    held.open();
    expect(await first).toBe('a');
  });

  it('run_onMoreRequestsThanConnections_queuesTheRest_withoutTimingOut', async () => {
    // Thousands of grants ending in one second: waiting for a free connection is not another replica holding the request.
    const a = lock({ poolSize: 2, lockTimeoutMs: 300 });
    let running = 0;
    let most = 0;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        a.run(key(), async () => {
          most = Math.max(most, ++running);
          await sleep(150);
          running--;
          return i;
        }),
      ),
    );

    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(2);
  });

  it('run_whenTheWorkFails_releasesTheLockAndRejectsAsTheWorkDid', async () => {
    const [a, b, id] = [lock(), lock(), key()];

    await expect(a.run(id, () => Promise.reject(new Error('firewall said no')))).rejects.toThrow('firewall said no');

    expect(await b.run(id, async () => 'free')).toBe('free');
  });

  it('run_whenTheHoldersConnectionDies_freesTheRequest_andTheHolderStillFinishes', async () => {
    const name = `jit-lock-test-${randomBytes(4).toString('hex')}`;
    const [a, b, id, held] = [lock({ applicationName: name }), lock(), key(), gate()];
    let started = false;
    const first = a.run(id, async () => {
      started = true;
      await held.opened;
      return 'a';
    });
    await until(() => started);

    await admin((client) => client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [name]));

    expect(await b.run(id, async () => 'b')).toBe('b');
    held.open();
    expect(await first).toBe('a');
    // The dead connection was dropped, not handed out again.
    expect(await a.run(id, async () => 'again')).toBe('again');
  });

  it('run_whileAnotherReplicaHoldsTheRequestTooLong_failsClearly_withoutRunningTheWork', async () => {
    const [a, b, id, held] = [lock(), lock({ lockTimeoutMs: 300 }), key(), gate()];
    let started = false;
    const first = a.run(id, async () => {
      started = true;
      await held.opened;
    });
    await until(() => started);
    let ran = false;

    await expect(
      b.run(id, async () => {
        ran = true;
      }),
    ).rejects.toMatchObject({ code: 'jit_store_failed', message: `could not lock request ${id}: another replica has held it for over 0.3 s` });

    expect(ran).toBe(false);
    held.open();
    await first;
    await b.run(id, async () => {
      ran = true;
    });
    expect(ran).toBe(true);
  });

  it('idle_resolvesOnceEveryQueuedRunHasFinished', async () => {
    const [a, id, held] = [lock(), key(), gate()];
    const done: string[] = [];
    void a.run(id, () => held.opened.then(() => done.push('first')));
    void a.run(id, async () => done.push('second'));

    const idle = a.idle().then(() => done.push('idle'));
    held.open();
    await idle;

    expect(done).toEqual(['first', 'second', 'idle']);
  });
});
