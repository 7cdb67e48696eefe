// The event stream through the whole bot: a request approved, opened and
// revoked over signed Slack HTTP reaches an HTTPS webhook (HMAC checked by the
// fake receiver, its certificate trusted through JIT_EVENT_WEBHOOK_CA) and a
// TLS syslog server, every event in seq order with hashes that chain; a sink
// away for a while gets everything once back; a sink failing past
// JIT_EVENT_MAX_ATTEMPTS is reported once in the audit channel, and its recovery too.

import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GENESIS } from '../../src/domain/audit-chain.js';
import type { StreamEvent } from '../../src/domain/event-stream.js';
import { SqliteEventStreamStore } from '../../src/store/event-stream.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { type FakeSyslog, startFakeSyslog } from '../support/fake-syslog.js';
import { type FakeWebhook, startFakeWebhook } from '../support/fake-webhook.js';
import { MemoryBackend } from '../../src/ports/memory-firewall.js';
import { startFakeSlack } from '../support/fake-slack.js';
import { AUDIT, BASIC_POLICY, type E2E, requestIdIn, startE2E, stopChecked, until } from './harness.js';

const SECRET = 'e2e-webhook-secret-0123456789abcdef';

let e2e: E2E | undefined;
let webhook: FakeWebhook | undefined;
const syslogs: FakeSyslog[] = [];
let caDir: string | undefined;
afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
  await webhook?.close();
  webhook = undefined;
  for (const fake of syslogs.splice(0)) await fake.close();
  if (caDir) rmSync(caDir, { recursive: true, force: true });
  caDir = undefined;
});

/** The CA files the variables name. */
function caFiles(webhookCa: string, syslogCa: string): { webhook: string; syslog: string } {
  caDir = mkdtempSync(join(tmpdir(), 'jit-ca-'));
  const files = { webhook: join(caDir, 'webhook-ca.pem'), syslog: join(caDir, 'syslog-ca.pem') };
  writeFileSync(files.webhook, webhookCa);
  writeFileSync(files.syslog, syslogCa);
  return files;
}

async function sinksAndBot(env: Record<string, string> = {}): Promise<{ e: E2E; hook: FakeWebhook; syslog: FakeSyslog }> {
  webhook = await startFakeWebhook(SECRET);
  const syslog = await startFakeSyslog({ tls: true });
  syslogs.push(syslog);
  const ca = caFiles(webhook.ca, syslog.ca);
  e2e = await startE2E({
    env: {
      JIT_EVENT_WEBHOOK_URL: webhook.url,
      JIT_EVENT_WEBHOOK_SECRET: SECRET,
      JIT_EVENT_WEBHOOK_CA: ca.webhook,
      JIT_EVENT_SYSLOG_URL: syslog.url,
      JIT_EVENT_SYSLOG_CA: ca.syslog,
      ...env,
    },
  });
  return { e: e2e, hook: webhook, syslog };
}

/** Request, approval, open, revoke: the events of one grant's whole life. */
async function grantLifecycle(e: E2E): Promise<string> {
  const id = requestIdIn(await e.command('UREQ', 'request web-1 22 198.51.100.7 1h rotate keys'));
  const approval = await e.fake.waitFor(
    (c) => c.method === 'chat.postMessage' && c.args.channel === 'UAPPROVER1' && JSON.stringify(c.args.blocks ?? '').includes('jit_approve'),
  );
  await e.click('UAPPROVER1', approval, 'jit_approve', { expectReply: false });
  await until(() => e.backend.isOpen(id));
  expect(await e.command('UREQ', `revoke ${id}`)).toMatch(/revoked/);
  await until(async () => (await e.bot.workflow.get(id)).state === 'closed');
  return id;
}

/** The chain's seqs, read from the bot's file by a second connection. */
async function chainSeqs(e: E2E): Promise<number[]> {
  const store = SqliteStore.open(join(e.dir, 'data', 'jit.db'));
  try {
    return (await new SqliteEventStreamStore(store).chainAfter(0, 10_000)).map((row) => row.seq);
  } finally {
    await store.close();
  }
}

/** What a receiver checks: each hash recomputed from the documented formula, each prevHash the hash before it. */
function expectChained(events: readonly StreamEvent[]): void {
  let previous = GENESIS;
  for (const event of events) {
    expect(event.prevHash).toBe(previous);
    const content = JSON.stringify([event.seq, event.requestId, event.name, event.actor, event.atMs, event.detail]);
    expect(createHash('sha256').update(`${event.prevHash}\n${content}`).digest('hex')).toBe(event.hash);
    previous = event.hash;
  }
}

const seqsOf = (events: readonly StreamEvent[]) => events.map((event) => event.seq);

describe('event stream end to end', () => {
  it('grantLifecycle_reachesWebhookAndSyslog_everyEventInSeqOrder_signed_andChained', async () => {
    const { e, hook, syslog } = await sinksAndBot();
    const id = await grantLifecycle(e);
    const seqs = await chainSeqs(e);
    await until(() => hook.accepted().length >= seqs.length && syslog.frames.length >= seqs.length, 10_000);
    expect(seqsOf(hook.accepted())).toEqual(seqs);
    expect(seqsOf(syslog.frames.map((frame) => frame.event))).toEqual(seqs);
    expect(hook.posts.every((post) => post.signatureValid)).toBe(true);
    expectChained(hook.accepted());
    expect(syslog.frames.map((frame) => frame.event)).toEqual(hook.accepted());
    const names = hook
      .accepted()
      .filter((event) => event.requestId === id)
      .map((event) => event.name);
    expect(names).toEqual(expect.arrayContaining(['request.created', 'request.approved', 'grant.opened', 'grant.closed']));
    expect(syslog.frames.every((frame) => frame.sd.params.id === frame.event.id && frame.appName === 'jit-access-bot')).toBe(true);
  });

  it('sinksAwayForAWhile_thenBack_getEverything', async () => {
    const { e, hook, syslog } = await sinksAndBot();
    hook.failAll({ status: 503 });
    await syslog.close();
    await grantLifecycle(e);
    await until(() => hook.posts.length >= 2, 10_000);
    expect(hook.accepted()).toEqual([]);
    hook.recover();
    const back = await startFakeSyslog({ tls: true, port: syslog.port, certificate: syslog.certificate });
    syslogs.push(back);
    const seqs = await chainSeqs(e);
    await until(() => hook.accepted().length >= seqs.length && back.frames.length >= seqs.length, 15_000);
    expect(seqsOf(hook.accepted())).toEqual(seqs);
    expect(seqsOf(back.frames.map((frame) => frame.event))).toEqual(seqs);
    expectChained(hook.accepted());
  });

  it('webhookUrlWithoutItsSecret_stopsTheStartWithOneSentence_beforeAnythingIsOpened', async () => {
    // The fake Slack and directory are the test's own, so a start that throws leaves nothing open behind it.
    const fake = await startFakeSlack();
    const dir = mkdtempSync(join(tmpdir(), 'jit-stream-start-'));
    writeFileSync(join(dir, 'policy.yaml'), BASIC_POLICY);
    try {
      await expect(
        startE2E({ env: { JIT_EVENT_WEBHOOK_URL: 'https://siem.example.com/jit' }, shared: { fake, backend: new MemoryBackend(), dir } }),
      ).rejects.toThrow(/JIT_EVENT_WEBHOOK_URL is set but JIT_EVENT_WEBHOOK_SECRET is not: set it to a random secret of at least 32 characters/);
      // Refused before Slack was asked anything or the database was opened.
      expect(fake.calls).toEqual([]);
      expect(existsSync(join(dir, 'data', 'jit.db'))).toBe(false);
    } finally {
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sinkFailingPastMaxAttempts_isReportedOnceInTheAuditChannel_thenItsRecovery', async () => {
    const { e, hook } = await sinksAndBot({ JIT_EVENT_MAX_ATTEMPTS: '2', JIT_EVENT_SYSLOG_URL: '', JIT_EVENT_SYSLOG_CA: '' });
    hook.failAll({ status: 500 });
    await grantLifecycle(e);
    const auditPosts = (mark: string) =>
      e.fake.callsTo('chat.postMessage').filter((c) => c.args.channel === AUDIT && !c.args.thread_ts && String(c.args.text).includes(mark));
    await until(() => auditPosts('Event stream: the webhook sink').length > 0, 10_000);
    const alert = String(auditPosts('<!here>')[0]!.args.text);
    expect(alert).toMatch(/gave up on event #1 \(request\.created\) after 2 attempts: the webhook answered HTTP 500/);
    // Later events are dead-lettered too, without another alert.
    await until(() => hook.posts.length >= 6, 15_000);
    await e.bot.flushOutbox();
    expect(auditPosts('<!here>').filter((c) => String(c.args.text).includes('Event stream'))).toHaveLength(1);
    hook.recover();
    await until(() => auditPosts(':white_check_mark: Event stream').length === 1, 15_000);
    expect(String(auditPosts(':white_check_mark:')[0]!.args.text)).toMatch(/the webhook sink .* delivers again; \d+ events were dead-lettered/);
  });
});
