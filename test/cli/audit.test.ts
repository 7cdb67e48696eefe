// `jit audit export` and `jit audit verify` as subprocesses, on a database a
// workflow harness filled (fake clock, so the times are known).

import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { AUDIT_COLUMNS } from '../../src/domain/audit-export.js';
import { csvObjects, parseCsv } from '../support/csv.js';
import { createHarness, policyOf, vm, type Harness } from '../support/workflow-harness.js';
import { cliWorld, oneErrorLine, ROOT, runJit, SLOW, type CliWorld } from './harness.js';

let h: Harness;
let world: CliWorld;
afterEach(() => {
  h?.cleanup();
  world?.cleanup();
});

const DAY = 86_400_000;
const FORMULA = '=HYPERLINK("http://evil.example","x"), "quoted"';

/** A grant on web-1 approved and revoked on 28 November; two days later a pending request on db-1. */
async function history(harness: Harness): Promise<{ web: string; db: string }> {
  const web = await harness.workflow.request(harness.input({ justification: FORMULA }));
  if (!web.ok) throw new Error(JSON.stringify(web.problems));
  await harness.workflow.approve(web.request.id, 'UAPPROVER1');
  await harness.workflow.revoke(web.request.id, 'UAPPROVER1');
  harness.clock.advance(2 * DAY);
  const db = await harness.workflow.request(harness.input({ vm: 'db-1', requester: 'UOTHER' }));
  if (!db.ok) throw new Error(JSON.stringify(db.problems));
  return { web: web.request.id, db: db.request.id };
}

async function filled(): Promise<{ web: string; db: string }> {
  h = createHarness({ policy: policyOf({ vms: [vm('web-1'), vm('db-1')] }) });
  const ids = await history(h);
  world = cliWorld({ db: h.dbFile });
  return ids;
}

describe('jit audit export', () => {
  it(
    'csvOnStdout_parsedBack_isEveryStoredEventWithItsRequest',
    async () => {
      const { web } = await filled();
      const run = await world.run(['audit', 'export']);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(parseCsv(run.stdout)[0]).toEqual([...AUDIT_COLUMNS]);
      const rows = csvObjects(run.stdout);
      const events = await h.store.auditEvents();
      expect(rows.map((r) => [r.time, r.event, r.request, r.actor, r.reason])).toEqual(
        events.map((e) => [new Date(e.at).toISOString(), e.name, e.requestId, e.actor, e.detail ?? '']),
      );
      expect(rows.find((r) => r.request === web && r.event === 'grant.closed')).toMatchObject({
        requester: 'UREQ',
        approver: 'UAPPROVER1',
        vm: 'web-1',
        port: '22',
        protocol: 'TCP',
        source: '203.0.113.7/32',
        status: 'closed',
        justification: `'${FORMULA}`,
      });
    },
    SLOW,
  );

  it(
    'sinceADate_andVm_narrowTheRows_andJsonGivesThemAsObjects',
    async () => {
      const { db } = await filled();
      const since = new Date(h.clock.now()).toISOString().slice(0, 10);
      const run = await world.run(['audit', 'export', '--since', since, '--vm', 'DB-1', '--json']);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      const { rows } = JSON.parse(run.stdout) as { rows: Record<string, string>[] };
      expect(rows.map((r) => [r.request, r.event, r.requester])).toEqual([[db, 'request.created', 'UOTHER']]);
      // JSON is for scripts: the values as stored, no spreadsheet quoting.
      expect(Object.keys(rows[0]!)).toEqual([...AUDIT_COLUMNS]);
    },
    SLOW,
  );

  it(
    'out_writesAPrivateFile_andSaysSoOnStderr',
    async () => {
      await filled();
      const file = join(world.dir, 'audit.csv');
      const run = await world.run(['audit', 'export', '--out', file]);
      const events = (await h.store.auditEvents()).length;
      expect(run).toEqual({ code: 0, stdout: '', stderr: `wrote ${events} audit events to ${file}\n` });
      expect(csvObjects(readFileSync(file, 'utf8'))).toHaveLength(events);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    },
    SLOW,
  );

  it(
    'badSince_isAUsageError',
    async () => {
      await filled();
      const run = await world.run(['audit', 'export', '--since', 'yesterday']);
      expect(run).toMatchObject({ code: 2, stdout: '' });
      expect(oneErrorLine(run)).toBe('jit: --since yesterday is neither a duration such as 7d nor a date such as 2026-01-31');
    },
    SLOW,
  );
});

describe('jit audit verify', () => {
  it(
    'intactThenEdited_exitsZeroThenOne_inTextAndJson',
    async () => {
      await filled();
      const rows = (await h.store.auditEvents()).length;
      h.store.close();
      const intact = await world.run(['audit', 'verify']);
      expect(intact).toMatchObject({ code: 0, stderr: '' });
      expect(intact.stdout).toMatch(new RegExp(`^audit log intact: ${rows} rows, head [0-9a-f]{64}\\n$`));
      expect(JSON.parse((await world.run(['audit', 'verify', '--json'])).stdout)).toEqual({ ok: true, rows, head: expect.stringMatching(/^[0-9a-f]{64}$/) });

      const db = new Database(h.dbFile);
      db.prepare("UPDATE audit_events SET actor = 'UNOBODY' WHERE seq = 3").run();
      db.close();
      const broken = await world.run(['audit', 'verify', '--json']);
      expect(broken.code).toBe(1);
      expect(JSON.parse(broken.stdout)).toEqual({ ok: false, rows: 3, seq: 3, problem: 'edited' });
    },
    SLOW,
  );

  it(
    'npmRunAuditVerify_stillRunsTheSameCheck',
    async () => {
      await filled();
      const out = execFileSync('npm', ['run', '--silent', 'audit:verify'], { cwd: ROOT, env: { PATH: process.env.PATH, JIT_DB: h.dbFile }, encoding: 'utf8' });
      expect(out).toMatch(/^audit log intact: \d+ rows, head [0-9a-f]{64}\n$/);
    },
    SLOW,
  );

  it(
    'missingDatabase_exitsTwo_withoutCreatingOne',
    async () => {
      world = cliWorld();
      const missing = join(world.dir, 'typo.db');
      const run = await runJit(['audit', 'verify'], { cwd: world.dir, env: { JIT_DB: missing } });
      expect(run).toMatchObject({ code: 2, stdout: '' });
      expect(oneErrorLine(run)).toBe(
        `jit: JIT_DB (${missing}) does not exist: set JIT_DB to the bot's database file (the bot creates it when it first starts)`,
      );
      expect(() => statSync(missing)).toThrow();
    },
    SLOW,
  );
});
