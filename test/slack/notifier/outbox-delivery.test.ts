// The outbox worker and the Slack notifier against the fake Slack server: a
// retry never posts a message twice, whether the earlier attempt failed half
// way, lost Slack's answer, or died before recording it.

import { WebClient } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SystemEvent } from '../../../src/domain/types.js';
import { createLogger } from '../../../src/log.js';
import { OutboxWorker } from '../../../src/workflow/outbox-worker.js';
import { METADATA_EVENT } from '../../../src/slack/notifier/once-poster.js';
import { SlackNotifier } from '../../../src/slack/notifier/slack-notifier.js';
import type { Args } from '../../support/fake-slack.js';
import { startFakeSlack, type FakeSlack } from '../../support/fake-slack.js';
import { createHarness, type Harness } from '../../support/workflow-harness.js';

const AUDIT = 'CAUDIT';
let fake: FakeSlack;
let client: WebClient;
let h: Harness;
let worker: OutboxWorker;
let warnings: string[];

beforeAll(async () => {
  fake = await startFakeSlack();
  client = new WebClient('xoxb-test', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
});
afterAll(() => fake.close());

beforeEach(() => {
  h = createHarness();
  warnings = [];
  const logger = createLogger({ write: (line) => (line.includes('WARN') || line.includes('warn') ? warnings.push(line) : undefined) });
  const notifier = new SlackNotifier({ client, logger, auditChannel: AUDIT, policy: () => h.policy, clock: h.clock });
  worker = new OutboxWorker(h.store, notifier, h.clock, logger);
});
afterEach(() => {
  h.cleanup();
  fake.reset();
});

/** Delivers until the outbox is empty, moving the clock past every backoff; fails after `passes`. */
async function deliverAll(passes = 10): Promise<void> {
  for (let pass = 0; pass < passes; pass++) {
    await worker.flush(5000);
    if ((await h.store.pendingOutbox(1000)).length === 0) return;
    h.clock.advance(10 * 60_000);
  }
  throw new Error(`outbox still holds ${(await h.store.pendingOutbox(1000)).length} row(s)`);
}

/** Messages as Slack holds them now (top level, or one thread's replies). */
async function messagesIn(channel: string, thread?: string): Promise<Args[]> {
  const answer = thread
    ? await client.conversations.replies({ channel, ts: thread, include_all_metadata: true })
    : await client.conversations.history({ channel, include_all_metadata: true });
  const messages = (answer.messages ?? []) as Args[];
  return thread ? messages.filter((message) => message.ts !== thread) : messages;
}

async function newRequest(): Promise<string> {
  const result = await h.workflow.request(h.input());
  if (!result.ok) throw new Error('request refused');
  return result.request.id;
}

/** A pending request past halfway: its reminder goes under both approvers' messages, and the second post will fail once. */
async function reminderWhoseSecondReplyFails(): Promise<string> {
  const id = await newRequest();
  await deliverAll();
  h.clock.advance(16 * 60_000);
  await h.workflow.sweep();
  fake.failNext('chat.postMessage', 1, { ok: false, error: 'internal_error' }, (args) => args.channel === 'DAPPROVER2' || args.channel === 'UAPPROVER2');
  return id;
}

const postsTo = (channel: string) => (args: Args) => args.channel === channel;

describe('a retry never posts twice', () => {
  it('auditRoot_whoseAnswerWasLost_isFoundByItsMetadata_notPostedAgain', async () => {
    const id = await newRequest();
    fake.failNext('chat.postMessage', 1, { status: 500, applied: true }, postsTo(AUDIT));

    await deliverAll();
    const lookups = fake.callsTo('conversations.history').length;

    const roots = await messagesIn(AUDIT);
    expect(roots).toHaveLength(1);
    expect(roots[0]?.metadata).toMatchObject({ event_type: METADATA_EVENT });
    // The root found again is the one the thread hangs on.
    expect((await h.store.messageRefs(id)).find((ref) => ref.role === 'audit')?.ts).toBe(roots[0]?.ts);
    expect(lookups).toBe(1);
  });

  it('threadReply_whoseAnswerWasLost_isFoundInTheThread', async () => {
    const id = await newRequest();
    await deliverAll();
    await h.workflow.approve(id, 'UAPPROVER1');
    fake.failNext('chat.postMessage', 1, { status: 500, applied: true }, (args) => args.channel === AUDIT && args.thread_ts !== undefined);

    await deliverAll();

    const root = (await h.store.messageRefs(id)).find((ref) => ref.role === 'audit')!;
    const replies = (await messagesIn(AUDIT, root.ts)).map((message) => String(message.text));
    expect(replies.filter((text) => text.startsWith('Approved by'))).toHaveLength(1);
    expect(replies.filter((text) => text.startsWith('Opened'))).toHaveLength(1);
    expect(fake.callsTo('conversations.replies').length).toBeGreaterThan(0);
  });

  it('requesterDm_whoseAnswerWasLost_isFoundInTheDmChannel', async () => {
    await newRequest();
    fake.failNext('chat.postMessage', 1, { status: 500, applied: true }, postsTo('UREQ'));

    await deliverAll();

    expect(await messagesIn('DREQ')).toHaveLength(1);
    expect(fake.callsTo('conversations.open').map((call) => call.args.users)).toEqual(['UREQ']);
  });

  it('claimedPostThatNeverReachedSlack_isPostedOnce', async () => {
    await newRequest();
    // A refused post (Slack did nothing): the lookup finds nothing and the retry posts.
    fake.failNext('chat.postMessage', 1, { status: 500 }, postsTo(AUDIT));

    await deliverAll();

    expect(await messagesIn(AUDIT)).toHaveLength(1);
  });

  it('reminderUnderTwoApprovalMessages_secondFailing_retryPostsOnlyTheMissingOne', async () => {
    const id = await reminderWhoseSecondReplyFails();

    await deliverAll();

    const approvals = (await h.store.messageRefs(id)).filter((ref) => ref.role === 'approval');
    expect(approvals).toHaveLength(2);
    for (const ref of approvals) {
      const replies = await messagesIn(ref.channel, ref.ts);
      expect(replies).toHaveLength(1);
    }
    // The first reply was brought up to date in place rather than posted again.
    expect(fake.callsTo('chat.update').some((call) => call.args.channel === approvals[0]?.channel)).toBe(true);
  });

  it('recordedMessageDeletedMeanwhile_isPostedAnew', async () => {
    const id = await reminderWhoseSecondReplyFails();
    await worker.flush(5000);
    const first = (await h.store.messageRefs(id)).find((ref) => ref.role === 'approval')!;
    const [reply] = await messagesIn(first.channel, first.ts);
    await client.chat.delete({ channel: first.channel, ts: String(reply?.ts) });

    await deliverAll();

    expect(await messagesIn(first.channel, first.ts)).toHaveLength(1);
  });

  it('lookupRefused_postsAgainAndSaysSo_aDuplicateRatherThanALoss', async () => {
    await newRequest();
    fake.failNext('chat.postMessage', 1, { status: 500, applied: true }, postsTo(AUDIT));
    fake.failNext('conversations.history', 1, { ok: false, error: 'missing_scope' });

    await deliverAll();

    expect(await messagesIn(AUDIT)).toHaveLength(2);
    expect(warnings.join('\n')).toMatch(/could not look for an interrupted post \(missing_scope\); posting again/);
  });
});

describe('drift notifications', () => {
  it('systemEvent_isPostedTopLevelInTheAuditChannel_once', async () => {
    const event: SystemEvent = {
      name: 'drift.orphan_closed',
      actor: 'system',
      at: h.clock.now(),
      detail: 'backend memory allows 22/TCP on web-1 from 10.9.9.9/32, but no request abc234 is stored: closed',
    };
    await h.store.recordSystemEvent(event, [{ kind: 'system', event }]);
    fake.failNext('chat.postMessage', 1, { status: 429, retryAfter: 1 });

    await deliverAll();

    const [message, ...others] = await messagesIn(AUDIT);
    expect(others).toEqual([]);
    expect(String(message?.text)).toMatch(/^<!here> :warning: Drift repaired: backend memory allows 22\/TCP on web-1 from 10\.9\.9\.9\/32/);
  });
});
