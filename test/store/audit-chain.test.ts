// The audit log's hash chain in a SQLite file: an edited, deleted or reordered
// row is named; the verify command says so with its exit code. That the chain
// is intact after real use is the store contract's (contract/audit.ts).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { createHarness, type Harness, liveThroughAFewGrants } from '../support/workflow-harness.js';
import { TAMPER_CASES } from './tamper-cases.js';

let h: Harness;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jit-chain-'));
});
afterEach(() => {
  h?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** Makes a few requests go through their lifecycle, so the log has rows of every kind. */
async function history(): Promise<string> {
  h = createHarness();
  await liveThroughAFewGrants(h);
  return h.dbFile;
}

function tamper(file: string, sql: string): void {
  const db = new BetterSqlite3(file);
  db.exec(sql);
  db.close();
}

describe('audit hash chain', () => {
  it.each(TAMPER_CASES)('verify_with%s_namesTheFirstBadRow', async (_name, sql, expected) => {
    const file = await history();
    h.store.close();
    tamper(file, sql);
    const store = SqliteStore.open(file);
    try {
      expect(await store.verifyAuditChain()).toMatchObject({ ok: false, ...expected });
    } finally {
      store.close();
    }
  });

  it('verifyCommand_exitsZeroWhenIntact_oneNamingTheRowWhenNot', async () => {
    const file = await history();
    h.store.close();
    const run = () =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/verify-audit.ts'], {
        cwd: resolve(import.meta.dirname, '../..'),
        env: { PATH: process.env.PATH, JIT_DB: file },
        encoding: 'utf8',
      });
    const intact = run();
    expect([intact.status, intact.stdout]).toEqual([0, expect.stringMatching(/^audit log intact: 15 rows, head [0-9a-f]{64}\n$/)]);
    tamper(file, "UPDATE audit_events SET detail = 'nothing to see' WHERE seq = 2");
    const broken = run();
    expect([broken.status, broken.stdout]).toEqual([1, 'audit log broken: row seq=2 was edited (checked 2 rows)\n']);
  });
});

describe('schema 3 migration', () => {
  it('migration_chainsTheRowsWrittenBeforeIt', async () => {
    const { migrate } = await import('../../src/store/migrate.js');
    const { migrations } = await import('../../src/store/migrations/index.js');
    const file = join(dir, 'old.db');
    const db = new BetterSqlite3(file);
    migrate(db, migrations.slice(0, 2));
    db.exec(`INSERT INTO requests (id, state, version, requester, vm, created_at, data) VALUES ('abcdef', 'closed', 3, 'U1', 'web-1', 0, '{}')`);
    for (let i = 0; i < 4; i++) db.prepare("INSERT INTO audit_events (request_id, name, actor, at) VALUES ('abcdef', 'grant.closed', 'system', ?)").run(i);
    db.close();
    const store = SqliteStore.open(file);
    try {
      expect(await store.verifyAuditChain()).toMatchObject({ ok: true, rows: 4 });
    } finally {
      store.close();
    }
  });
});
