// The Slack notifier names the destination Slack refuses, and what it is to
// the bot (an approver's DM, the requester's, a channel), so the outbox worker
// can report it with the right fix; refusals of one destination hold back
// neither the other approvers nor the audit thread.

import { WebClient } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { SlackNotifier } from '../../../src/slack/notifier/slack-notifier.js';
import { DeliveryProblems } from '../../../src/workflow/delivery-problems.js';
import { OutboxWorker } from '../../../src/workflow/outbox-worker.js';
import { startFakeSlack, type FakeSlack } from '../../support/fake-slack.js';
import { createHarness, type Harness } from '../../support/workflow-harness.js';

const AUDIT = 'CAUDIT';
let fake: FakeSlack;
let client: WebClient;
let h: Harness;
let worker: OutboxWorker;
let problems: DeliveryProblems;

beforeAll(async () => {
  fake = await startFakeSlack();
  client = new WebClient('xoxb-test', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
});
afterAll(() => fake.close());

beforeEach(() => {
  h = createHarness();
  const logger = createLogger({ write: () => undefined });
  problems = new DeliveryProblems({ logger, clock: h.clock });
  const notifier = new SlackNotifier({ client, logger, auditChannel: AUDIT, policy: () => h.policy, clock: h.clock });
  worker = new OutboxWorker(h.store, notifier, h.clock, logger, { problems });
});
afterEach(() => {
  h.cleanup();
  fake.reset();
});

async function newRequest(): Promise<string> {
  const result = await h.workflow.request(h.input());
  if (!result.ok) throw new Error('request refused');
  return result.request.id;
}

const posted = (channel: string) => fake.callsTo('chat.postMessage').filter((c) => c.response.ok && c.args.channel === channel);

it('approverDm_toABot_andRequesterDm_toAGoneUser_areNamedAsSuch_andTheRestGoesOut', async () => {
  fake.failNext('chat.postMessage', 100, { ok: false, error: 'cannot_dm_bot' }, (args) => args.channel === 'UAPPROVER2');
  fake.failNext('chat.postMessage', 100, { ok: false, error: 'user_not_found' }, (args) => args.channel === h.input().requester);
  await newRequest();

  await worker.flush(5000);

  const found = problems.problems();
  expect(found).toHaveLength(2);
  expect(found).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ destination: 'UAPPROVER2', role: 'approver_dm', error: 'cannot_dm_bot', fix: 'take them out of the approvers in the policy' }),
      expect.objectContaining({ destination: h.input().requester, role: 'requester_dm', error: 'user_not_found' }),
    ]),
  );
  expect(posted('UAPPROVER1')).toHaveLength(1);
  expect(posted(AUDIT)).toHaveLength(1);
});

it('approvalUpdate_whoseMessageIsInAnArchivedChannel_isReportedForThatChannel', async () => {
  const id = await newRequest();
  await worker.flush(5000);
  fake.failNext('chat.update', 100, { ok: false, error: 'is_archived' }, (args) => args.channel === 'DAPPROVER1');
  await h.workflow.approve(id, 'UAPPROVER1');

  await worker.flush(5000);

  expect(problems.problems()).toEqual([expect.objectContaining({ destination: 'DAPPROVER1', role: 'approver_dm', error: 'is_archived' })]);
  // The audit thread goes on: the update waits in the approval lane only.
  expect(
    posted(AUDIT)
      .filter((c) => c.args.thread_ts !== undefined)
      .map((c) => String(c.args.text))
      .join('\n'),
  ).toMatch(/approved/i);
});
