// Audit anchoring end to end over signed HTTP: requests happen, an export from
// Slack is recorded, the leader posts a signed checkpoint to the audit channel
// (forced through the bot's test hook), the database's newest rows are deleted,
// and `jit audit verify --against-slack` (the real CLI, a subprocess reading
// the fake Slack with the bot token) exits 1 naming them.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { checkpointValid, hmacKey } from '../../src/domain/audit-anchor.js';
import { METADATA_EVENT } from '../../src/slack/notifier/once-poster.js';
import { runJit, SLOW } from '../cli/harness.js';
import { MemoryBackend } from '../../src/ports/memory-firewall.js';
import { type RecordedCall, startFakeSlack } from '../support/fake-slack.js';
import { AUDIT, BASIC_POLICY, requestIdIn, startE2E, stopChecked, until, type E2E } from './harness.js';

const KEY = 'e2e-audit-key-0123456789abcdef0123456789abcdef';
let e2e: E2E | undefined;
afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
});

const payloadOf = (call: RecordedCall) => (call.args.metadata as { event_type: string; event_payload: Record<string, unknown> } | undefined)?.event_payload;

async function approvedAndRevoked(e: E2E): Promise<string> {
  const id = requestIdIn(await e.command('UREQ', 'request web-1 22 198.51.100.7 1h deploy fix'));
  const approval = await e.fake.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === 'UAPPROVER1' && JSON.stringify(c.args).includes(id));
  await e.click('UAPPROVER1', approval, 'jit_approve', { expectReply: false });
  await until(async () => (await e.bot.workflow.get(id)).state === 'active');
  expect(await e.command('UREQ', `revoke ${id}`)).toMatch(/revoked/);
  return id;
}

describe('audit anchoring', () => {
  it(
    'checkpointPosted_newestRowsDeleted_verifyAgainstSlackExits1NamingThem',
    async () => {
      e2e = await startE2E({ policy: `${BASIC_POLICY}\nreaders: [UREADER]\n`, env: { JIT_AUDIT_KEY: KEY } });
      expect(e2e.logs.join('\n')).not.toContain('not anchored');
      await approvedAndRevoked(e2e);
      expect(await e2e.command('UREADER', 'audit')).toMatch(/^Sent \d+ audit events/);

      await e2e.bot.checkpointAudit();
      await e2e.bot.flushOutbox();
      const isCheckpoint = (c: RecordedCall) => c.method === 'chat.postMessage' && c.args.channel === AUDIT && payloadOf(c)?.kind === 'checkpoint';
      const checkpoint = await e2e.fake.waitFor(isCheckpoint);
      const anchored = payloadOf(checkpoint)!;
      expect(checkpoint.args.text).toMatch(/^Audit checkpoint: row \d+, hash [0-9a-f]{16}…, signed hmac-sha256$/);
      expect(checkpointValid(anchored as never, hmacKey(KEY))).toBe(true);
      // Nothing new since: a second checkpoint is not posted.
      await e2e.bot.checkpointAudit();
      await e2e.bot.flushOutbox();
      expect(e2e.fake.calls.filter(isCheckpoint)).toHaveLength(1);
      // The export from Slack was recorded and posted, with its own row's head.
      const exported = e2e.fake.calls.find((c) => c.method === 'chat.postMessage' && String(c.args.text).includes('exported the audit log'));
      expect(payloadOf(exported!)).toMatchObject({ step: 'system', seq: expect.any(Number), hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(payloadOf(exported!)?.seq).toBe(anchored.seq as number);
      expect((exported!.args.metadata as { event_type: string }).event_type).toBe(METADATA_EVENT);

      const db = e2e.bot.config.JIT_DB;
      const env = { JIT_DB: db, SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: e2e.fake.apiUrl, JIT_AUDIT_CHANNEL: AUDIT, JIT_AUDIT_KEY: KEY };
      const intact = await runJit(['audit', 'verify', '--against-slack'], { cwd: e2e.dir, env });
      expect(intact).toMatchObject({ code: 0, stderr: '' });

      const seq = anchored.seq as number;
      const sqlite = new Database(db);
      sqlite.prepare('DELETE FROM audit_events WHERE seq > ?').run(seq - 3);
      sqlite.close();
      const broken = await runJit(['audit', 'verify', '--against-slack'], { cwd: e2e.dir, env });
      expect(broken.code).toBe(1);
      expect(broken.stdout).toMatch(
        new RegExp(`- rows ${seq - 2}–${seq} are missing: the checkpoint of \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} anchors row ${seq}\\n`),
      );
    },
    SLOW,
  );

  it('withoutAKey_theBotSaysOnceThatTheAuditLogIsNotAnchored_andPostsNoCheckpoint', async () => {
    e2e = await startE2E();
    expect(e2e.logs.filter((line) => line.includes('the audit log is not anchored outside the database'))).toHaveLength(1);
    await e2e.bot.checkpointAudit();
    await e2e.bot.flushOutbox();
    expect(e2e.fake.calls.filter((c) => c.method === 'chat.postMessage' && String(c.args.text).startsWith('Audit checkpoint'))).toEqual([]);
  });

  it('bothKeysSet_isAClearStartupError', async () => {
    // The fake Slack and directory are the test's own, so a start that throws leaves nothing open behind it.
    const fake = await startFakeSlack();
    const dir = mkdtempSync(join(tmpdir(), 'jit-anchor-keys-'));
    writeFileSync(join(dir, 'policy.yaml'), BASIC_POLICY);
    try {
      await expect(
        startE2E({ env: { JIT_AUDIT_KEY: KEY, JIT_AUDIT_SIGNING_KEY: '/nonexistent.pem' }, shared: { fake, backend: new MemoryBackend(), dir } }),
      ).rejects.toThrow(/JIT_AUDIT_KEY and JIT_AUDIT_SIGNING_KEY are both set: set one/);
    } finally {
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
