// `jit db copy <sqlite-file> <postgres-url>` through runJit with the real
// openers: a database with real history (db-history.ts) copied into a fresh
// PostgreSQL database reads back row for row, its audit chain verifies there
// with the same head, and new writes continue after the copied rows. Refusals
// exit 2 with one line; those that need no server run without one.

import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { GENESIS, rowHash } from '../../src/domain/audit-chain.js';
import { ALL_STATES } from '../../src/domain/lifecycle.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { AccessWorkflow } from '../../src/workflow/access-workflow.js';
import { admin, createDatabase, describePg } from '../support/postgres.js';
import { type History, jit, sqliteWithHistory } from './db-history.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function freshDatabase(): Promise<string> {
  const db = await createDatabase();
  cleanups.push(() => db.drop());
  return db.url;
}

async function history(): Promise<History> {
  const made = await sqliteWithHistory();
  cleanups.push(() => made.h.cleanup());
  return made;
}

async function openPg(url: string): Promise<PostgresStore> {
  const store = await PostgresStore.open(url);
  cleanups.push(() => store.close());
  return store;
}

/** The URL as messages must show it: the password hidden. */
const shown = (url: string) => url.replace(/:[^:@/]*@/, ':***@');

/** A row of the SQLite file, read directly. */
function sqliteValue(file: string, sql: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(sql).pluck().get() as number | null) ?? 0;
  } finally {
    db.close();
  }
}

describePg('jit db copy into PostgreSQL', () => {
  it('everyRow_readsBackEqual_andTheChainVerifiesOnPostgresWithTheSameHead', async () => {
    const { h, batch, delivered } = await history();
    const url = await freshDatabase();

    const run = await jit(['db', 'copy', h.dbFile, url]);

    expect(run).toMatchObject({ code: 0, stderr: '' });
    const chain = await h.store.verifyAuditChain();
    if (!chain.ok) throw new Error('the source chain must verify');
    expect(run.stdout).toContain(`copied ${h.dbFile} into ${shown(url)}\n`);
    expect(run.stdout).toContain(`audit chain verified on PostgreSQL: ${chain.rows} rows, head ${chain.head}\n`);
    expect(run.stdout).not.toContain(':jit@');
    const pg = await openPg(url);
    expect(await pg.verifyAuditChain()).toEqual(chain);

    const requests = await h.store.listRequests({ states: [...ALL_STATES] });
    expect(requests.length).toBeGreaterThan(6);
    for (const request of requests) expect(await pg.getRequest(request.id)).toEqual(request);
    expect(await pg.listRequests({ states: [...ALL_STATES] })).toEqual(requests);
    expect(await pg.listRequests({ batchId: batch })).toEqual(await h.store.listRequests({ batchId: batch }));

    expect(await pg.auditEvents()).toEqual(await h.store.auditEvents());
    expect(await pg.systemEvents()).toEqual(await h.store.systemEvents());
    expect(await pg.auditEventsSince(0)).toEqual(await h.store.auditEventsSince(0));
    expect(await pg.overlayVms()).toEqual(await h.store.overlayVms());
    expect(await pg.recentSource('UREQ0', 0)).toBe('198.51.100.7/32');
    expect(await pg.outboxPosts(delivered)).toEqual(await h.store.outboxPosts(delivered));
    for (const request of requests) expect(await pg.messageRefs(request.id)).toEqual(await h.store.messageRefs(request.id));
  });

  it('undeliveredOutboxRows_staysPending_withTheirAttempts_andNoOldClaims', async () => {
    const { h, claimed } = await history();
    const url = await freshDatabase();
    expect((await jit(['db', 'copy', h.dbFile, url])).code).toBe(0);
    const pg = await openPg(url);

    const pending = await h.store.pendingOutbox(10_000);
    expect(pending.some((row) => row.attempts === 1 && row.lastError === 'ratelimited')).toBe(true);
    expect(await pg.pendingOutbox(10_000)).toEqual(pending);
    // The old bot's claim did not come along: a worker of the new database takes that row at once.
    const now = h.clock.now();
    expect((await h.store.claimOutbox('new-bot', now, 60_000, 100)).map((row) => row.id)).not.toContain(claimed);
    expect((await pg.claimOutbox('new-bot', now, 60_000, 100)).map((row) => row.id)).toContain(claimed);
  });

  it('aRequestWrittenAfterTheCopy_chainsOntoTheCopiedHead_withIdsAfterTheCopiedOnes', async () => {
    const { h } = await history();
    const url = await freshDatabase();
    expect((await jit(['db', 'copy', h.dbFile, url])).code).toBe(0);
    const copied = await h.store.verifyAuditChain();
    if (!copied.ok) throw new Error('the source chain must verify');
    const lastSeq = sqliteValue(h.dbFile, 'SELECT max(seq) FROM audit_events');
    const lastOutboxId = sqliteValue(h.dbFile, 'SELECT max(id) FROM outbox');

    const pg = await openPg(url);
    const workflow = new AccessWorkflow({ ...h.ctx, store: pg, randomBytes: (size) => randomBytes(size) });
    const created = await workflow.request(h.input({ requester: 'UAFTER' }));
    if (!created.ok) throw new Error('request refused');

    const rows = await admin(
      async (client) =>
        (
          await client.query<{ seq: string; prev_hash: string }>('SELECT seq, prev_hash FROM audit_events WHERE request_id = $1 ORDER BY seq', [
            created.request.id,
          ])
        ).rows,
      url,
    );
    expect(rows.map((row) => [Number(row.seq), row.prev_hash])[0]).toEqual([lastSeq + 1, copied.head]);
    expect(await pg.verifyAuditChain()).toMatchObject({ ok: true, rows: copied.rows + rows.length });
    const ids = (await pg.pendingOutbox(10_000)).filter((row) => row.requestId === created.request.id).map((row) => row.id);
    expect(ids.length).toBeGreaterThan(0);
    expect(Math.min(...ids)).toBeGreaterThan(lastOutboxId);
  });

  it('json_printsOneDocument_andATargetTheBotMigratedButLeftEmpty_isAccepted', async () => {
    const { h } = await history();
    const url = await freshDatabase();
    await (await PostgresStore.open(url)).close();

    const run = await jit(['db', 'copy', h.dbFile, url, '--json']);

    expect(run).toMatchObject({ code: 0, stderr: '' });
    const chain = await h.store.verifyAuditChain();
    const requests = await h.store.listRequests({ states: [...ALL_STATES] });
    expect(JSON.parse(run.stdout)).toEqual({
      ok: true,
      from: h.dbFile,
      to: shown(url),
      tables: {
        requests: requests.length,
        audit_events: chain.rows,
        outbox: sqliteValue(h.dbFile, 'SELECT count(*) FROM outbox'),
        outbox_posts: 1,
        message_refs: 1,
        source_links: 1,
        policy_overlay: 1,
        api_tokens: 1,
        stream_cursors: 1,
        stream_dead_letters: 1,
      },
      chain: { rows: chain.rows, head: chain.ok ? chain.head : '' },
    });
  });

  it('aTargetThatHoldsRequests_isRefused_exitTwo_andKeepsWhatItHeld', async () => {
    const { h } = await history();
    const url = await freshDatabase();
    expect((await jit(['db', 'copy', h.dbFile, url])).code).toBe(0);
    const requests = (await h.store.listRequests({ states: [...ALL_STATES] })).length;

    const again = await jit(['db', 'copy', h.dbFile, url]);

    expect(again).toEqual({
      code: 2,
      stdout: '',
      stderr: `jit: ${shown(url)} already holds ${requests} requests: copy into an empty database (CREATE DATABASE a new one and give its URL)\n`,
    });
    expect((await (await openPg(url)).listRequests({ states: [...ALL_STATES] })).length).toBe(requests);
  });

  it('aBrokenSourceChain_exitsOne_withTheFirstBrokenRow_andCopiesNothing', async () => {
    const { h } = await history();
    const url = await freshDatabase();
    await h.store.close();
    const db = new Database(h.dbFile);
    db.prepare("UPDATE audit_events SET actor = 'UNOBODY' WHERE seq = 3").run();
    db.close();

    const run = await jit(['db', 'copy', h.dbFile, url, '--json']);

    const problem = `the audit log of ${h.dbFile} is broken: row seq=3 was edited (jit audit verify with JIT_DB=${h.dbFile} shows it); nothing was copied`;
    expect(run).toEqual({ code: 1, stdout: `${JSON.stringify({ ok: false, problem }, null, 2)}\n`, stderr: `jit: ${problem}\n` });
    expect(await (await openPg(url)).verifyAuditChain()).toEqual({ ok: true, rows: 0, head: GENESIS });
  });

  it('anAuditRowPostgresCannotStore_exitsOne_beforeCopying', async () => {
    const { h } = await history();
    const url = await freshDatabase();
    // A row written before audit text had U+0000 replaced (the bot now stores U+FFFD), chained as it was then.
    const db = new Database(h.dbFile);
    const head = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1').get()!;
    const row = { seq: head.seq + 1, requestId: null, name: 'drift.orphan_closed', actor: 'system', at: h.clock.now(), detail: 'rule comment a\u0000b' };
    db.prepare('INSERT INTO audit_events (seq, request_id, name, actor, at, detail, prev_hash, hash) VALUES (?, NULL, ?, ?, ?, ?, ?, ?)').run(
      row.seq,
      row.name,
      row.actor,
      row.at,
      row.detail,
      head.hash,
      rowHash(row, head.hash),
    );
    db.close();
    const seq = row.seq;

    const run = await jit(['db', 'copy', h.dbFile, url]);

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `jit: audit row seq=${seq} of ${h.dbFile} holds a NUL character, which PostgreSQL cannot store: its hash would not verify there; nothing was copied\n`,
    );
  });

  it('aTargetWithOnlyAnOverlayEntry_isRefusedToo', async () => {
    const { h } = await history();
    const url = await freshDatabase();
    const pg = await openPg(url);
    const event = { name: 'policy.vm_enabled', actor: 'UADMIN', at: 0, detail: 'enabled JIT on web-7' } as const;
    await pg.saveOverlayVm({ name: 'web-7', vm: { id: 'web-7' }, updatedBy: 'UADMIN', updatedAt: 0 }, event, []);

    const run = await jit(['db', 'copy', h.dbFile, url]);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`jit: ${shown(url)} already holds 1 audit event: copy into an empty database (CREATE DATABASE a new one and give its URL)\n`);
  });
});

describe('jit db copy refusals', () => {
  const dir = () => {
    const made = mkdtempSync(join(tmpdir(), 'jit-copy-'));
    cleanups.push(() => rmSync(made, { recursive: true, force: true }));
    return made;
  };
  const target = 'postgres://jit:s3cret@127.0.0.1:5432/jit_copy_never';

  it('aMissingSource_exitsTwo_andCreatesNothing', async () => {
    const missing = join(dir(), 'typo.db');
    const run = await jit(['db', 'copy', missing, target]);
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: `jit: ${missing} does not exist: give the bot's SQLite database file (its JIT_DB) as the first argument\n`,
    });
    expect(() => new Database(missing, { fileMustExist: true })).toThrow();
  });

  it.each([
    ['./other.db', './other.db'],
    ['mysql://jit:s3cret@db.example/jit', 'mysql://jit:***@db.example/jit'],
  ])('aTargetThatIsNotPostgres %s_exitsTwo', async (to, named) => {
    const file = join(dir(), 'jit.db');
    await SqliteStore.open(file).close();
    const run = await jit(['db', 'copy', file, to]);
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: `jit: ${named} is not a PostgreSQL URL: give the target as postgres://user:password@host:5432/database\n`,
    });
  });

  it('aSourceFromANewerBuild_exitsTwo_untouched', async () => {
    const file = join(dir(), 'jit.db');
    await SqliteStore.open(file).close();
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    const run = await jit(['db', 'copy', file, target]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(`^jit: ${file} was written by a newer version of the bot \\(schema 99, this build knows \\d+\\): copy it with that version\\n$`),
    );
    expect(sqliteValue(file, 'PRAGMA user_version')).toBe(99);
  });

  it('aFileThatIsNotADatabase_exitsTwo', async () => {
    const file = join(dir(), 'policy.yaml');
    copyFileSync(new URL(import.meta.url), file);
    const run = await jit(['db', 'copy', file, target]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^jit: ${file} is not a SQLite database \\(.*\\): give the bot's database file \\(its JIT_DB\\)\\n$`));
  });

  it('anUnreachableTarget_exitsTwo_namingItWithoutItsPassword', async () => {
    const file = join(dir(), 'jit.db');
    await SqliteStore.open(file).close();
    const run = await jit(['db', 'copy', file, 'postgres://jit:s3cret@127.0.0.1:1/jit']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^jit: cannot reach postgres:\/\/jit:\*\*\*@127\.0\.0\.1:1\/jit: connect ECONNREFUSED 127\.0\.0\.1:1: check that PostgreSQL runs there and that the URL's user, password and database are right\n$/,
    );
    expect(run.stderr).not.toContain('s3cret');
  });

  it.each([
    [['db'], 'jit: jit db needs one of: copy'],
    [['db', 'copy', 'jit.db'], 'jit: this command takes 2 arguments, got 1; usage: jit db copy <sqlite-file> <postgres-url>'],
  ])('usage %j_exitsTwo', async (args, message) => {
    expect(await jit(args)).toEqual({ code: 2, stdout: '', stderr: `${message}\n` });
  });
});
