// Every `jit` command on a PostgreSQL JIT_DB, as on a SQLite file: the
// read-only commands answer what they answer on the SQLite database the
// PostgreSQL one was copied from; the acting ones hold the request lock the
// bot's replicas hold; an unreachable server is one line naming the URL
// without its password.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PgRequestLock } from '../../src/store/postgres/lock.js';
import { createDatabase, describePg } from '../support/postgres.js';
import { jit, sqliteWithHistory, type History } from './db-history.js';
import { CLI_POLICY } from './harness.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The history's SQLite file, copied into a fresh PostgreSQL database, and the policy file the CLI reads. */
async function copied(): Promise<{ history: History; url: string; policy: string }> {
  const history = await sqliteWithHistory();
  cleanups.push(() => history.h.cleanup());
  const db = await createDatabase();
  cleanups.push(() => db.drop());
  const copy = await jit(['db', 'copy', history.h.dbFile, db.url]);
  if (copy.code !== 0) throw new Error(copy.stderr);
  const policy = join(history.h.dbFile, '..', 'policy.yaml');
  writeFileSync(policy, CLI_POLICY);
  return { history, url: db.url, policy };
}

describePg('jit on a PostgreSQL JIT_DB', () => {
  it.each([
    [['list', '--all', '--json']],
    [['audit', 'verify', '--json']],
    [['audit', 'export', '--json']],
    [['audit', 'export', '--since', '2026-11-28T10:00Z', '--vm', 'web-1']],
  ])('readOnly %j_answersAsOnTheSqliteFileItWasCopiedFrom', async (args) => {
    const { history, url, policy } = await copied();
    const onSqlite = await jit(args, { JIT_DB: history.h.dbFile, JIT_POLICY: policy });
    const onPostgres = await jit(args, { JIT_DB: url, JIT_POLICY: policy });
    expect(onSqlite).toMatchObject({ code: 0, stderr: '' });
    expect(onPostgres).toEqual(onSqlite);
  });

  it('policyExport_mergesTheOverlayStoredInPostgres', async () => {
    const { url, policy } = await copied();
    const run = await jit(['policy', 'export', '--json'], { JIT_DB: url, JIT_POLICY: policy });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect((JSON.parse(run.stdout) as { document: string }).document).toContain('web-9');
  });

  it('requestApproveRevoke_actOnPostgres_andKeepTheChainIntact', async () => {
    const { history, url, policy } = await copied();
    const env = { JIT_DB: url, JIT_POLICY: policy };
    const requested = await jit(['request', 'web-1', '22', '203.0.113.7', '1h', 'after', 'the', 'move', '--as', 'UMOVED', '--json'], env);
    expect(requested).toMatchObject({ code: 0, stderr: '' });
    const id = (JSON.parse(requested.stdout) as { requests: Array<{ id: string }> }).requests[0]!.id;

    const approved = await jit(['approve', id, '--as', 'UAPPROVER1', '--json'], env);
    expect(approved).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(approved.stdout)).toMatchObject({ outcome: 'approved', request: { id, state: 'active' } });
    expect((await jit(['revoke', id, '--as', 'UMOVED'], env)).code).toBe(0);

    const before = await history.h.store.verifyAuditChain();
    const verified = JSON.parse((await jit(['audit', 'verify', '--json'], env)).stdout) as { ok: boolean; rows: number };
    expect(verified).toMatchObject({ ok: true });
    expect(verified.rows).toBeGreaterThan(before.rows);
  });

  it('approve_waitsForTheRequestLockAReplicaHolds', async () => {
    const { url, policy } = await copied();
    const env = { JIT_DB: url, JIT_POLICY: policy };
    const requested = await jit(['request', 'web-1', '22', '203.0.113.7', '1h', '--as', 'UMOVED', '--json'], env);
    const id = (JSON.parse(requested.stdout) as { requests: Array<{ id: string }> }).requests[0]!.id;

    // A bot replica works on the request: it holds the request's lock across processes.
    const replica = new PgRequestLock(url);
    cleanups.push(() => replica.close());
    let release: () => void = () => undefined;
    let holding: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const work = replica.run(id, () => {
      holding();
      return new Promise<void>((resolve) => (release = resolve));
    });
    await held;

    let settled = false;
    const approving = jit(['approve', id, '--as', 'UAPPROVER1'], env).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(settled).toBe(false);
    release();
    await work;
    expect(await approving).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('jit with an unreachable PostgreSQL JIT_DB', () => {
  it.each([[['list']], [['audit', 'verify']], [['policy', 'export']]])('%j_exitsTwo_namingTheUrlWithoutItsPassword', async (args) => {
    const dir = mkdtempSync(join(tmpdir(), 'jit-pg-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'policy.yaml'), CLI_POLICY);
    const run = await jit(args, { JIT_DB: 'postgres://jit:s3cret@127.0.0.1:1/jit', JIT_POLICY: join(dir, 'policy.yaml') });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^jit: .*postgres:\/\/jit:\*\*\*@127\.0\.0\.1:1\/jit\) cannot be reached: connect ECONNREFUSED 127\.0\.0\.1:1: check that PostgreSQL runs at that host and port and that the URL's user, password and database are right\n$/,
    );
    expect(run.stderr).not.toContain('s3cret');
  });
});
