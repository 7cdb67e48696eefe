// Acks first: through the real receiver and Bolt, a /jit command is acknowledged
// while another request is still being answered, and what it causes (its use
// case, its response_url reply) waits until that answer is sent, or until the
// bot stops (nothing held back is lost).

import { App } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { startSlackApp } from '../../src/slack/app.js';
import { registerCommand } from '../../src/slack/listeners/command.js';
import type { ListenerDeps } from '../../src/slack/listeners/deps.js';
import { createHttpReceiver } from '../../src/slack/receiver.js';
import type { AccessWorkflow } from '../../src/workflow/access-workflow.js';
import { YieldGate } from '../../src/workflow/yield-gate.js';
import { FakeClock } from '../support/fake-clock.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { slashCommand } from '../support/slack-requests.js';

const SECRET = 'ack-first-signing-secret-0123456789';

let fake: FakeSlack;
let app: App;
let gate: YieldGate;
let base: string;
let inventoryCalls: number;

beforeEach(async () => {
  fake = await startFakeSlack();
  // A bound far beyond the test: only the answer to the other request (or stopping) lets the work through.
  gate = new YieldGate({ maxDelayMs: 600_000 });
  inventoryCalls = 0;
  const logger = createLogger({ write: () => undefined });
  const receiver = createHttpReceiver({ signingSecret: SECRET, port: 0, routes: [], logger, inbound: gate });
  app = new App({ receiver, logger, authorize: async () => ({ botToken: 'xoxb-test' }), clientOptions: { slackApiUrl: fake.apiUrl } });
  const workflow = {
    inventory: async () => {
      inventoryCalls++;
      return [];
    },
  } as unknown as AccessWorkflow;
  const deps: ListenerDeps = { workflow, policy: () => ({ vms: [], rules: [], approvers: [] }) as never, clock: new FakeClock(), logger, gate };
  registerCommand(app, deps);
  base = `http://127.0.0.1:${await startSlackApp(app, 0, '127.0.0.1')}`;
});

afterEach(async () => {
  await gate.open();
  await app.stop();
  await fake.close();
});

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('acks first', () => {
  it('command_whileAnotherRequestIsBeingAnswered_isAckedAtOnce_andItsWorkWaitsForThatAnswer', async () => {
    const answered = gate.arrived(); // another Slack request, not answered yet
    const ack = await slashCommand(base, SECRET, { text: 'vms', userId: 'U1', responseUrl: fake.responseUrl('held') });
    expect(ack.status).toBe(200);
    await settle(100);
    expect(inventoryCalls).toBe(0); // the use case has not run…
    expect(fake.responses).toHaveLength(0); // …nor the reply
    answered();
    await fake.waitForResponse((r) => r.id === 'held');
    expect(inventoryCalls).toBe(1);
  });

  it('command_aloneOnAQuietBot_runsAndRepliesWithoutWaiting', async () => {
    const ack = await slashCommand(base, SECRET, { text: 'vms', userId: 'U1', responseUrl: fake.responseUrl('quiet') });
    expect(ack.status).toBe(200);
    await fake.waitForResponse((r) => r.id === 'quiet');
    expect(inventoryCalls).toBe(1);
  });

  it('command_heldBack_whenTheBotStops_stillRunsAndReplies', async () => {
    gate.arrived(); // never answered: only stopping lets the work through
    const ack = await slashCommand(base, SECRET, { text: 'vms', userId: 'U1', responseUrl: fake.responseUrl('stop') });
    expect(ack.status).toBe(200);
    await settle(50);
    expect(gate.waiting()).toBe(1);
    await gate.open(); // what bot.stop() does before closing the store
    expect(inventoryCalls).toBe(1);
    expect(fake.responses.map((r) => r.id)).toEqual(['stop']);
  });

  it('receiver_answersBeforeTheListenerFinishes', () => {
    const receiver = createHttpReceiver({ signingSecret: SECRET, port: 0, routes: [], logger: createLogger({ write: () => undefined }) });
    // Bolt writes the ack when the listener calls ack(), not when the listener returns.
    expect((receiver as unknown as { processBeforeResponse: boolean }).processBeforeResponse).toBe(false);
  });
});
