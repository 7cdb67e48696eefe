// The whole bot, in-process, in HTTP mode on loopback: real Bolt, real SQLite
// file, memory firewall, and a fake Slack Web API that records every call and
// refuses Block Kit Slack would refuse. Requests are signed exactly as Slack signs.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBot, type Bot } from '../../src/bot.js';
import type { FirewallBackend } from '../../src/ports/firewall.js';
import { MemoryBackend } from '../../src/ports/memory-firewall.js';
import { createLogger } from '../../src/log.js';
import type { Clock } from '../../src/ports/clock.js';
import { startFakeSlack, type FakeSlack, type RecordedCall } from '../support/fake-slack.js';
import { blockAction, slashCommand, viewSubmission, type StateValues } from '../support/slack-requests.js';

export const SECRET = 'e2e-signing-secret-0123456789';
export const AUDIT = 'CAUDIT';

export const BASIC_POLICY = `
approvers: [UAPPROVER1, UAPPROVER2]
virtualMachines:
  - id: /subscriptions/0000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web-1
    address: 10.0.0.4
    ports:
      - number: 22
        protocol: TCP
        allowedSourceAddressPrefix: "*"
        maxRequestAccessDuration: PT3H
      - number: 3389
        protocol: TCP
        allowedSourceAddressPrefixes: ["203.0.113.0/24"]
        maxRequestAccessDuration: PT1H
  - id: db-1
    address: 10.0.0.5
    ports:
      - number: 5432
        protocol: TCP
        allowedSourceAddressPrefix: "*"
        maxRequestAccessDuration: PT2H
`;

export interface E2E {
  bot: Bot;
  fake: FakeSlack;
  backend: MemoryBackend;
  baseUrl: string;
  dir: string;
  logs: string[];
  /** Sends `/jit <text>` as `user`; resolves with the ephemeral reply posted to response_url. */
  command(user: string, text: string): Promise<string>;
  /** Clicks a button on a message the bot posted; resolves with any ephemeral reply (or undefined). */
  click(user: string, message: RecordedCall, actionId: string, options?: { expectReply?: boolean }): Promise<string | undefined>;
  submitModal(user: string, values: StateValues): Promise<{ status: number; json?: unknown }>;
  /** Stops this bot (not the fake Slack or the firewall) and starts a new one on the same files, as after a crash or restart. */
  restart(): Promise<E2E>;
  /** Messages posted to the audit channel's thread of a request, root first. */
  auditThread(requestId: string): Promise<string[]>;
  stop(): Promise<void>;
}

let responseCounter = 0;

export interface E2EOptions {
  policy?: string;
  env?: Record<string, string>;
  groups?: Record<string, string[]>;
  /** users.info overrides per user id (the fake Slack reads the object at each call, so a test may change it later). */
  users?: Record<string, Record<string, unknown>>;
  /** The bot's clock (rules that look at the time of day); default the real one. */
  clock?: Clock;
  /** The firewall, when a test needs one that does more than remember (e.g. holds a call mid-flight); default a new MemoryBackend. */
  backend?: MemoryBackend;
  /** Real backends beside the memory one (Azure against the fake ARM); the policy's VMs name them. Kept across a restart. */
  moreBackends?: FirewallBackend[];
  /** Reuse these instead of making new ones (a restart). */
  shared?: { fake: FakeSlack; backend: MemoryBackend; dir: string };
}

export async function startE2E(options: E2EOptions = {}): Promise<E2E> {
  const fake = options.shared?.fake ?? (await startFakeSlack({ groups: options.groups ?? {}, ...(options.users ? { users: options.users } : {}) }));
  const dir = options.shared?.dir ?? mkdtempSync(join(tmpdir(), 'jit-e2e-'));
  if (!options.shared) writeFileSync(join(dir, 'policy.yaml'), options.policy ?? BASIC_POLICY);
  const backend = options.shared?.backend ?? options.backend ?? new MemoryBackend();
  const logs: string[] = [];
  const bot = await startBot(
    {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.apiUrl,
      PORT: '0',
      JIT_POLICY: join(dir, 'policy.yaml'),
      JIT_DB: join(dir, 'data', 'jit.db'),
      JIT_AUDIT_CHANNEL: AUDIT,
      JIT_LISTEN_HOST: '127.0.0.1',
      ...options.env,
    },
    {
      backends: [backend, ...(options.moreBackends ?? [])],
      outboxPollMs: 50,
      logger: createLogger({ write: (line) => logs.push(line) }),
      ...(options.clock ? { clock: options.clock } : {}),
    },
  );
  const baseUrl = `http://127.0.0.1:${bot.port}`;

  const e2e: E2E = {
    bot,
    fake,
    backend,
    baseUrl,
    dir,
    logs,
    async command(user, text) {
      const id = `cmd${++responseCounter}`;
      const from = fake.responses.length;
      const result = await slashCommand(baseUrl, SECRET, { text, userId: user, responseUrl: fake.responseUrl(id) });
      if (result.status !== 200) throw new Error(`/jit ${text} answered HTTP ${result.status}`);
      const reply = await fake.waitForResponse((r) => r.id === id, { from });
      // The text plus any blocks' text, so a test reads what the user sees.
      return [String(reply.body.text ?? ''), ...blockTexts(reply.body.blocks)].join('\n');
    },
    async click(user, message, actionId, { expectReply = true } = {}) {
      const id = `act${++responseCounter}`;
      const from = fake.responses.length;
      const result = await blockAction(baseUrl, SECRET, {
        userId: user,
        actionId,
        messageTs: String(message.response.ts),
        channelId: String(message.response.channel),
        messageBlocks: message.args.blocks as unknown[],
        responseUrl: fake.responseUrl(id),
      });
      if (result.status !== 200) throw new Error(`click ${actionId} answered HTTP ${result.status}`);
      if (!expectReply) return undefined;
      const reply = await fake.waitForResponse((r) => r.id === id, { from });
      return String(reply.body.text ?? '');
    },
    async submitModal(user, values) {
      const opened = fake.callsTo('views.open').at(-1);
      const view = opened?.args.view as Record<string, unknown> | undefined;
      return viewSubmission(baseUrl, SECRET, { userId: user, callbackId: 'jit_request_modal', values, ...(view ? { view } : {}) });
    },
    async auditThread(requestId) {
      await bot.flushOutbox();
      const posted = fake.callsTo('chat.postMessage').filter((c) => c.response.ok);
      const root = posted.find((c) => c.args.channel === AUDIT && !c.args.thread_ts && JSON.stringify(c.args).includes(`#${requestId}`));
      if (!root) return [];
      const replies = posted.filter((c) => c.args.thread_ts === root.response.ts);
      return [String(root.args.text), ...replies.map((c) => String(c.args.text))];
    },
    async restart() {
      await bot.stop();
      return startE2E({ ...options, shared: { fake, backend, dir } });
    },
    async stop() {
      await bot.stop();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return e2e;
}

function blockTexts(blocks: unknown): string[] {
  if (!Array.isArray(blocks)) return [];
  return (
    JSON.stringify(blocks)
      .match(/"text":"(?:[^"\\]|\\.)*"/g)
      ?.map((t) => JSON.parse(t.slice(7)) as string) ?? []
  );
}

/**
 * Ends a test's bot after checking that nothing it sent was Block Kit Slack
 * would refuse (the fake records such calls instead of failing them loudly).
 */
export async function stopChecked(e2e: E2E | undefined): Promise<void> {
  if (!e2e) return;
  const rejected = e2e.fake.rejected().map((c) => `${c.method}: ${JSON.stringify(c.response)}`);
  await e2e.stop();
  if (rejected.length > 0) throw new Error(`Slack would have refused:\n${rejected.join('\n')}`);
}

/** Polls until `check` holds; fails after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The visible texts of a message's buttons, in order. */
export function buttonTexts(call: RecordedCall): string[] {
  const blocks = call.args.blocks as { type: string; elements?: { type: string; text?: { text: string } }[] }[];
  return blocks.flatMap((b) => (b.type === 'actions' ? (b.elements ?? []).map((el) => el.text?.text ?? '') : []));
}

/** The request ID mentioned in a bot reply (`#k7m2qp`). */
export function requestIdIn(text: string): string {
  const match = /#([23456789a-hjkmnp-z]{6})\b/.exec(text);
  if (!match) throw new Error(`no request ID in: ${text}`);
  return match[1]!;
}
