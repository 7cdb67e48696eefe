// The audit channel as the second record of the chain, against the fake Slack
// server: every audit post (thread root, replies, the bot's own events) carries
// the (seq, hash) of its event's row in its metadata; a checkpoint is a
// top-level post with its signature; readAuditAnchors reads them all back
// (history paged, thread replies) for `jit audit verify --against-slack`.

import { WebClient } from '@slack/web-api';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ChainReader, checkpointValid, hmacKey } from '../../../src/domain/audit-anchor.js';
import { anchorProblemText, compareAnchors } from '../../../src/domain/audit-anchor-verdict.js';
import { createLogger } from '../../../src/log.js';
import type { Store } from '../../../src/ports/store.js';
import { readAuditAnchors } from '../../../src/slack/notifier/audit-history.js';
import { METADATA_EVENT } from '../../../src/slack/notifier/once-poster.js';
import { SlackNotifier } from '../../../src/slack/notifier/slack-notifier.js';
import { checkpointAuditChain } from '../../../src/workflow/audit-checkpoint.js';
import { OutboxWorker } from '../../../src/workflow/outbox-worker.js';
import { type Args, startFakeSlack, type FakeSlack } from '../../support/fake-slack.js';
import { createHarness, type Harness } from '../../support/workflow-harness.js';

const AUDIT = 'CAUDIT';
const KEY = hmacKey('k'.repeat(64));
let fake: FakeSlack;
let client: WebClient;
let h: Harness;
let store: Store & ChainReader;
let worker: OutboxWorker;

beforeAll(async () => {
  fake = await startFakeSlack();
  client = new WebClient('xoxb-test', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
});
afterAll(() => fake.close());

beforeEach(() => {
  h = createHarness();
  store = h.store as Store & ChainReader;
  const logger = createLogger({ write: () => undefined });
  const notifier = new SlackNotifier({ client, logger, auditChannel: AUDIT, policy: () => h.policy, clock: h.clock });
  worker = new OutboxWorker(h.store, notifier, h.clock, logger, { chain: store });
});
afterEach(() => {
  h.cleanup();
  fake.reset();
});

async function deliverAll(): Promise<void> {
  await worker.flush(5000);
  expect(await h.store.pendingOutbox(100)).toEqual([]);
}

/** A request approved (its grant opens) and revoked: a thread of several replies. */
async function history(): Promise<void> {
  const created = await h.workflow.request(h.input());
  if (!created.ok) throw new Error('request refused');
  await h.workflow.approve(created.request.id, 'UAPPROVER1');
  await h.workflow.revoke(created.request.id, 'UAPPROVER1');
}

const payloadOf = (args: Args) => (args.metadata as { event_type: string; event_payload: Record<string, unknown> }).event_payload;

describe('audit posts carry the chain head', () => {
  it('rootAndReplies_carryTheSeqAndHashOfTheirOwnRow_besideRowAndStep', async () => {
    await history();
    await deliverAll();
    const links = await store.auditLinks();
    const posts = fake.callsTo('chat.postMessage').filter((call) => call.args.channel === AUDIT || call.args.thread_ts !== undefined);
    const heads = posts.map((call) => payloadOf(call.args)).filter((payload) => payload.seq !== undefined);
    expect(heads.length).toBe(links.length);
    expect(heads.map(({ seq, hash }) => ({ seq, hash }))).toEqual(links);
    // What the outbox needs to find a post whose answer was lost is still there.
    expect(heads.every((payload) => typeof payload.row === 'number' && payload.step === 'audit')).toBe(true);
    expect((posts[0]!.args.metadata as { event_type: string }).event_type).toBe(METADATA_EVENT);
  });

  it('aCheckpoint_isOneTopLevelPost_withItsSignatureInTheMetadata', async () => {
    await history();
    const head = await store.auditHead();
    await checkpointAuditChain(h.store as Store & ChainReader, KEY, h.clock);
    await deliverAll();
    const top = fake.callsTo('chat.postMessage').filter((call) => call.args.channel === AUDIT && call.args.thread_ts === undefined);
    const checkpoints = top.filter((call) => payloadOf(call.args).kind === 'checkpoint');
    expect(checkpoints).toHaveLength(1);
    const { args } = checkpoints[0]!;
    expect(args.text).toBe(`Audit checkpoint: row ${head!.seq}, hash ${head!.hash.slice(0, 16)}…, signed hmac-sha256`);
    const payload = payloadOf(args);
    expect(payload).toMatchObject({ seq: head!.seq, hash: head!.hash, alg: 'hmac-sha256', keyId: KEY.keyId });
    expect(checkpointValid(payload as never, KEY)).toBe(true);
  });
});

describe('readAuditAnchors', () => {
  it('readsEveryPostAndCheckpointBack_andTheyMatchTheDatabase', async () => {
    await history();
    await checkpointAuditChain(store, KEY, h.clock);
    await deliverAll();
    const anchors = await readAuditAnchors(client, AUDIT);
    const links = await store.auditLinks();
    // Every row's post, the checkpoint's own row's post aside (its post carries the checkpoint), and the checkpoint.
    expect(anchors.filter((anchor) => anchor.source === 'post').map(({ seq, hash }) => ({ seq, hash }))).toEqual(links.slice(0, -1));
    expect(anchors.filter((anchor) => anchor.source === 'checkpoint').map((anchor) => anchor.seq)).toEqual([links.length - 1]);
    // Threads were read through conversations.replies.
    expect(fake.callsTo('conversations.replies').length).toBeGreaterThan(0);

    const chain = { hashes: new Map(links.map((l) => [l.seq, l.hash])), newest: links.length, verdict: await store.verifyAuditChain() };
    expect(compareAnchors(anchors, KEY, chain)).toMatchObject({ ok: true, problems: [] });
  });

  it('afterTheNewestRowsAreDeleted_theAnchorsNameThem', async () => {
    await history();
    await checkpointAuditChain(store, KEY, h.clock);
    await deliverAll();
    const newest = (await store.auditHead())!.seq;
    const db = new Database(h.dbFile);
    db.prepare('DELETE FROM audit_events WHERE seq > ?').run(newest - 3);
    db.close();
    const links = await store.auditLinks();
    const chain = { hashes: new Map(links.map((l) => [l.seq, l.hash])), newest: links.at(-1)!.seq, verdict: await store.verifyAuditChain() };
    // The chain alone still verifies: only the channel knows.
    expect(chain.verdict.ok).toBe(true);
    const verdict = compareAnchors(await readAuditAnchors(client, AUDIT), KEY, chain);
    expect(verdict.ok).toBe(false);
    // The checkpoint's own row is anchored by what comes after it; the checkpoint anchors the row before.
    expect(anchorProblemText(verdict.problems[0]!)).toMatch(
      new RegExp(`^rows ${newest - 2}–${newest - 1} are missing: the checkpoint of .* anchors row ${newest - 1}$`),
    );
  });

  it('aHistoryLongerThanOnePage_isReadWhole', async () => {
    const step = (i: number) => ({ event_type: METADATA_EVENT, event_payload: { row: i, step: 'system', seq: i, hash: `h${i}` } });
    for (let i = 1; i <= 205; i++) await client.chat.postMessage({ channel: AUDIT, text: `event ${i}`, metadata: step(i) });
    const anchors = await readAuditAnchors(client, AUDIT);
    expect(anchors.map((anchor) => anchor.seq)).toEqual(Array.from({ length: 205 }, (_, i) => i + 1));
    expect(fake.callsTo('conversations.history')).toHaveLength(2);
  });

  it('postsOfAnotherAppWithTheSameMetadata_anchorNothing', async () => {
    await history();
    await deliverAll();
    const links = await store.auditLinks();
    // Another app in the channel posts "heads" of a rewritten chain, at the top and inside a thread.
    const forged = (seq: number) => ({ event_type: METADATA_EVENT, event_payload: { row: 1, step: 'audit', seq, hash: 'f'.repeat(64) } });
    const root = fake.postAsAnotherApp(AUDIT, { text: 'looks like the bot', metadata: forged(1) });
    fake.postAsAnotherApp(AUDIT, { text: 'a reply', metadata: forged(2), thread_ts: root });
    const anchors = await readAuditAnchors(client, AUDIT);
    expect(anchors.map(({ seq, hash }) => ({ seq, hash }))).toEqual(links);
  });

  it('aChannelTheBotCannotRead_throwsWhatSlackSaid', async () => {
    fake.failNext('conversations.history', 1, { ok: false, error: 'not_in_channel' });
    await expect(readAuditAnchors(client, AUDIT)).rejects.toMatchObject({ data: { error: 'not_in_channel' } });
  });
});
