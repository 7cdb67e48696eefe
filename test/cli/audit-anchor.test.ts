// `jit audit verify --against-slack` and the `audit.exported` event of
// `jit audit export`, as subprocesses: a workflow harness fills a SQLite file
// and delivers its audit posts (with checkpoints) to the fake Slack server,
// which the CLI then reads over HTTP with the bot token.

import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AnchorKey, type ChainReader, ed25519Key, hmacKey, signCheckpoint } from '../../src/domain/audit-anchor.js';
import { type ChainRow, rowHash } from '../../src/domain/audit-chain.js';
import { createLogger } from '../../src/log.js';
import type { Store } from '../../src/ports/store.js';
import { METADATA_EVENT } from '../../src/slack/notifier/once-poster.js';
import { SlackNotifier } from '../../src/slack/notifier/slack-notifier.js';
import { checkpointAuditChain } from '../../src/workflow/audit-checkpoint.js';
import { OutboxWorker } from '../../src/workflow/outbox-worker.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { createHarness, type Harness } from '../support/workflow-harness.js';
import { cliWorld, SLOW, type CliWorld } from './harness.js';

const AUDIT = 'CAUDIT';
const SECRET = 'k'.repeat(64);
let fake: FakeSlack;
let client: WebClient;
let h: Harness;
let world: CliWorld;

beforeAll(async () => {
  fake = await startFakeSlack();
  client = new WebClient('xoxb-test', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
});
afterAll(() => fake.close());
afterEach(() => {
  h?.cleanup();
  world?.cleanup();
  fake.reset();
});

/** Two requests' threads, a checkpoint after the first and one after the second, all delivered to Slack. */
async function anchoredHistory(key: AnchorKey = hmacKey(SECRET)): Promise<void> {
  h = createHarness();
  const store = h.store as Store & ChainReader;
  const logger = createLogger({ write: () => undefined });
  const worker = new OutboxWorker(
    h.store,
    new SlackNotifier({ client, logger, auditChannel: AUDIT, policy: () => h.policy, clock: h.clock }),
    h.clock,
    logger,
    {
      chain: store,
    },
  );
  for (const requester of ['UREQ', 'UOTHER']) {
    const created = await h.workflow.request(h.input({ requester }));
    if (!created.ok) throw new Error('request refused');
    await h.workflow.approve(created.request.id, 'UAPPROVER1');
    await h.workflow.revoke(created.request.id, 'UAPPROVER1');
    await checkpointAuditChain(store, key, h.clock);
    h.clock.advance(60_000);
  }
  await worker.flush(5000);
  world = cliWorld({ db: h.dbFile });
}

const slackEnv = (extra: Record<string, string | undefined> = {}) => ({
  SLACK_BOT_TOKEN: 'xoxb-test',
  SLACK_API_URL: fake.apiUrl,
  JIT_AUDIT_CHANNEL: AUDIT,
  JIT_AUDIT_KEY: SECRET,
  ...extra,
});

const verify = (extra: Record<string, string | undefined> = {}, json = false) =>
  world.run(['audit', 'verify', '--against-slack', ...(json ? ['--json'] : [])], slackEnv(extra));

function newestSeq(): number {
  const db = new Database(h.dbFile, { readonly: true });
  const seq = (db.prepare('SELECT max(seq) AS seq FROM audit_events').get() as { seq: number }).seq;
  db.close();
  return seq;
}

describe('jit audit verify --against-slack', () => {
  it(
    'anUntouchedDatabase_isIntactAgainstSlack_exit0',
    async () => {
      await anchoredHistory();
      const run = await verify();
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /^audit log intact against Slack: \d+ rows, head [0-9a-f]{64}; the audit channel anchors up to row \d+ \(2 signed checkpoints, \d+ posts\)\n$/,
      );
    },
    SLOW,
  );

  it(
    'theLastRowsDeleted_exit1_namingTheRowsAndTheCheckpoint',
    async () => {
      await anchoredHistory();
      const newest = newestSeq();
      const db = new Database(h.dbFile);
      db.prepare('DELETE FROM audit_events WHERE seq > ?').run(newest - 4);
      db.close();
      // The chain alone cannot tell.
      expect((await world.run(['audit', 'verify'])).code).toBe(0);

      const run = await verify();
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`- rows ${newest - 3}–${newest - 1} are missing: the checkpoint of `);
      expect(run.stdout).toContain(`anchors row ${newest - 1}`);

      const json = JSON.parse((await verify({}, true)).stdout) as { ok: boolean; problems: Array<{ kind: string; from: number; to: number; text: string }> };
      expect(json.ok).toBe(false);
      expect(json.problems[0]).toMatchObject({ kind: 'missing', from: newest - 3, to: newest - 1 });
    },
    SLOW,
  );

  it(
    'aChainRewrittenAndReHashedConsistently_verifiesAlone_butNotAgainstSlack',
    async () => {
      await anchoredHistory();
      const db = new Database(h.dbFile);
      const rows = db
        .prepare('SELECT seq, request_id AS requestId, name, actor, at, detail, prev_hash AS prevHash, hash FROM audit_events ORDER BY seq')
        .all() as ChainRow[];
      const update = db.prepare('UPDATE audit_events SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?');
      let previous = rows[0]!.prevHash!;
      for (const row of rows) {
        const actor = row.seq === 3 ? 'UFRAMED' : row.actor;
        const hash = rowHash({ ...row, actor }, previous);
        update.run(actor, previous, hash, row.seq);
        previous = hash;
      }
      db.close();
      expect((await world.run(['audit', 'verify'])).code).toBe(0);

      const run = await verify();
      expect(run.code).toBe(1);
      expect(run.stdout).toContain("- row 3's hash differs from the one anchored in Slack (the audit post of ");
      expect(run.stdout).toContain('): the chain was rewritten');
    },
    SLOW,
  );

  it(
    'aForgedCheckpoint_isReportedAsForged_exit1',
    async () => {
      await anchoredHistory();
      const forged = signCheckpoint({ seq: 999, hash: 'ab'.repeat(32) }, hmacKey('f'.repeat(64)));
      await client.chat.postMessage({
        channel: AUDIT,
        text: 'Audit checkpoint: row 999',
        metadata: { event_type: METADATA_EVENT, event_payload: { row: 1, step: 'system', kind: 'checkpoint', ...forged } },
      });
      const run = await verify();
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/- the checkpoint of .* \(row 999\) has a bad signature: it is forged, or signed with another key\n/);
      // A forged checkpoint anchors nothing: no rows reported missing on its word.
      expect(run.stdout).not.toContain('missing');
    },
    SLOW,
  );

  it(
    'ed25519_theBotSignsWithThePrivateKey_theVerifierChecksWithThePublicOne',
    async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      await anchoredHistory(ed25519Key(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()));
      const pub = join(world.dir, 'audit-public.pem');
      writeFileSync(pub, publicKey.export({ format: 'pem', type: 'spki' }).toString());
      const run = await verify({ JIT_AUDIT_KEY: undefined, JIT_AUDIT_SIGNING_KEY: pub });
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toContain('2 signed checkpoints');
      // The HMAC key did not sign these: every checkpoint is reported.
      const wrong = await verify();
      expect(wrong.code).toBe(1);
      expect(wrong.stdout.match(/has a bad signature/g)).toHaveLength(2);
    },
    SLOW,
  );

  it(
    'couldNotCheck_exit2_withoutAToken_SlackUnreachable_noKeyForCheckpoints_orBothKeys',
    async () => {
      await anchoredHistory();
      const noToken = await verify({ SLACK_BOT_TOKEN: undefined });
      expect(noToken.code).toBe(2);
      expect(noToken.stderr).toContain('SLACK_BOT_TOKEN is not set');
      const unreachable = await verify({ SLACK_API_URL: 'http://127.0.0.1:9/api/' });
      expect(unreachable.code).toBe(2);
      expect(unreachable.stderr).toContain(`cannot read the audit channel ${AUDIT}`);
      const noKey = await verify({ JIT_AUDIT_KEY: undefined });
      expect(noKey.code).toBe(2);
      expect(noKey.stderr).toContain('no key is set to check them');
      const both = await verify({ JIT_AUDIT_SIGNING_KEY: join(world.dir, 'x.pem') });
      expect(both.code).toBe(2);
      expect(both.stderr).toContain('both set');
      fake.failNext('conversations.history', 1, { ok: false, error: 'not_in_channel' });
      const refused = await verify();
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('invite the bot to the audit channel');
    },
    SLOW,
  );
});

describe('jit audit export records audit.exported', () => {
  it(
    'anExport_isAnAuditEventInTheChain_withWhoWhichWindowAndHowManyRows',
    async () => {
      await anchoredHistory();
      const before = (await h.store.systemEvents()).length;
      const run = await world.run(['audit', 'export', '--vm', 'web-1', '--since', '2020-01-01', '--as', 'UAUDITOR']);
      expect(run.code).toBe(0);
      const events = await h.store.systemEvents();
      expect(events).toHaveLength(before + 1);
      const rows = run.stdout.trim().split('\n').length - 1;
      expect(events.at(-1)).toMatchObject({
        name: 'audit.exported',
        actor: 'UAUDITOR',
        detail: `${rows} rows, events since 2020-01-01 00:00 UTC of VM web-1, through jit audit export (CLI)`,
      });
      const outbox = (await h.store.pendingOutbox(10)).map((row) => row.notification);
      expect(outbox).toContainEqual({ kind: 'system', event: events.at(-1) });
      expect(await h.store.verifyAuditChain()).toMatchObject({ ok: true });
    },
    SLOW,
  );
});
