// Crash safety, proven on the real process: the bot (src/main.ts) runs the
// azure-nsg backend against a fake ARM whose state lives in this test process,
// so a SIGKILL takes the bot's memory and nothing else. For each crash point of
// src/workflow/crash-points.ts the bot is started with JIT_CRASH_AT, driven over
// signed Slack HTTP until it kills itself there, and restarted on the same
// database without the crash point. Then the state must converge: the grant
// closes no later than a sweep interval after its end (or after the restart,
// when it ended while the bot was dead), nothing opens before it is approved,
// the request ends closed with each audit event once, and each event reaches
// the audit thread exactly once.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventName, RequestState } from '../../src/domain/types.js';
import { CRASH_POINTS, type CrashPointName } from '../../src/workflow/crash-points.js';
import { startFakeSlack, type FakeSlack, type RecordedCall } from '../support/fake-slack.js';
import { blockAction, slashCommand } from '../support/slack-requests.js';
import {
  allowHistory,
  allowRulesNow,
  eventually,
  killBot,
  readDb,
  startBotProcess,
  startFakeAzure,
  storedRequestIds,
  type BotProcess,
  type FakeAzure,
} from './crash-harness.js';

const SECRET = 'crash-signing-secret-0123456789';
const AUDIT = 'CAUDIT';
const APPROVER = 'UAPPROVER';
const REQUESTER = 'UREQ';
/** The backstop sweep runs this often here, so "within a sweep interval" is a bound worth checking. */
const SWEEP_MS = 2000;

/**
 * Every grant lasts this long: the close points are reached by the grant's own
 * end, and a grant re-opened by the restart is still seen open before it ends.
 */
const GRANT_SECONDS = 2;

interface CrashCase {
  point: CrashPointName;
  /** Where the kill left the request and the firewall, proving the point sits where its name says. */
  stateAtCrash: RequestState;
  ruleAtCrash: boolean;
}

// One row per crash point, driven the same way: request, Approve, wait for the grant's end.
const CASES: CrashCase[] = [
  { point: 'approving-before-commit', stateAtCrash: 'pending', ruleAtCrash: false },
  { point: 'approved-before-open', stateAtCrash: 'approved', ruleAtCrash: false },
  { point: 'opened-before-active', stateAtCrash: 'approved', ruleAtCrash: true },
  { point: 'active-committed', stateAtCrash: 'active', ruleAtCrash: true },
  { point: 'closing-before-close', stateAtCrash: 'closing', ruleAtCrash: true },
  { point: 'closed-before-commit', stateAtCrash: 'closing', ruleAtCrash: false },
  { point: 'outbox-posted-before-recorded', stateAtCrash: 'pending', ruleAtCrash: false },
  { point: 'outbox-delivered-before-committed', stateAtCrash: 'pending', ruleAtCrash: false },
];

const LIFECYCLE: AuditEventName[] = ['request.created', 'request.approved', 'grant.opened', 'grant.closing', 'grant.closed'];

let dir: string;
let slack: FakeSlack;
let azure: FakeAzure;
const bots = new Set<BotProcess>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jit-crash-'));
  slack = await startFakeSlack();
  azure = await startFakeAzure(dir, { name: 'web-1', privateIp: '10.0.0.4' });
  writeFileSync(
    join(dir, 'policy.yaml'),
    `approvers: [${APPROVER}]
virtualMachines:
  - id: ${azure.vmId}
    ports: [{number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT1H}]
`,
  );
});

afterEach(async () => {
  await Promise.all([...bots].map(killBot));
  bots.clear();
});

afterAll(async () => {
  await azure?.arm.close();
  await slack?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A bot on `db`, armed at `crashAt` or not. */
async function startBot(db: string, crashAt?: CrashPointName): Promise<BotProcess> {
  const bot = await startBotProcess({
    ...azure.env,
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    JIT_LISTEN_HOST: '127.0.0.1',
    JIT_POLICY: join(dir, 'policy.yaml'),
    JIT_DB: db,
    JIT_AUDIT_CHANNEL: AUDIT,
    JIT_BACKEND: 'azure-nsg',
    JIT_SWEEP_SCHEDULE: `*/${SWEEP_MS / 1000} * * * * *`,
    ...(crashAt ? { JIT_CRASH_AT: crashAt } : {}),
  });
  bots.add(bot);
  return bot;
}

const baseUrl = (bot: BotProcess) => `http://127.0.0.1:${bot.port}`;

/**
 * Drives one request through its life on a bot armed with a crash point until
 * the bot kills itself: `/jit request`, the Approve click, the grant's end.
 * Whichever step the point interrupts, the rest is skipped. Resolves with the id.
 */
async function driveUntilCrash(bot: BotProcess, db: string): Promise<string> {
  const died = bot.ended.then(() => 'died' as const);
  const text = `request web-1 22 198.51.100.7 ${GRANT_SECONDS}s crash drill`;
  await slashCommand(baseUrl(bot), SECRET, { text, userId: REQUESTER, responseUrl: slack.responseUrl() }).catch(() => undefined);
  // Read from the database, not the reply: a crash point may fire before the bot replies.
  const id = await eventually('the request to be stored', () => storedRequestIds(db)[0]);
  const approvable = approvalMessage(id).then(async () => {
    // Every message of the creation recorded as delivered, so the click's crash cannot land between a post and its record.
    await eventually('the outbox to drain', () => readDb(db, id).undelivered === 0 || bot.child.exitCode !== null || bot.child.signalCode !== null);
    return 'approvable' as const;
  });
  approvable.catch(() => undefined);
  if ((await Promise.race([died, approvable])) === 'approvable') await click(bot, id, 'jit_approve');
  await crashed(bot, GRANT_SECONDS * 1000 + 10_000);
  return id;
}

function approvalMessage(id: string): Promise<RecordedCall> {
  const match = (c: RecordedCall) =>
    c.method === 'chat.postMessage' && c.args.channel === APPROVER && JSON.stringify(c.args.blocks ?? '').includes(`"value":"${id}"`);
  return slack.waitFor(match, { timeoutMs: 15_000 });
}

/** Clicks Approve or Deny on the request's approval message. The bot may die answering: that is the point. */
async function click(bot: BotProcess, id: string, actionId: 'jit_approve' | 'jit_deny'): Promise<void> {
  const message = await approvalMessage(id);
  await blockAction(baseUrl(bot), SECRET, {
    userId: APPROVER,
    actionId,
    messageTs: String(message.response.ts),
    channelId: String(message.response.channel),
    messageBlocks: message.args.blocks as unknown[],
    responseUrl: slack.responseUrl(`click-${id}-${Date.now()}`),
  }).catch(() => undefined);
}

async function crashed(bot: BotProcess, timeoutMs: number): Promise<void> {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`bot did not crash within ${timeoutMs} ms:\n${bot.log()}`)), timeoutMs).unref(),
  );
  const { signal } = await Promise.race([bot.ended, timeout]);
  expect(signal).toBe('SIGKILL');
}

/** Replies under the request's audit root, as `<event> @ <unix second>`; the root itself counts once per post. */
function auditThread(id: string): { roots: number; replies: string[] } {
  const posted = slack.callsTo('chat.postMessage').filter((c) => c.response.ok && c.args.channel === AUDIT);
  const roots = posted.filter((c) => !c.args.thread_ts && String(c.args.text).includes(`#${id}:`));
  const threads = new Set(roots.map((c) => String(c.response.ts)));
  const replies = posted.filter((c) => threads.has(String(c.args.thread_ts))).map((c) => replyKey(String(c.args.text)));
  return { roots: roots.length, replies: replies.sort() };
}

const REPLY_EVENTS: [RegExp, AuditEventName][] = [
  [/^Approved by /, 'request.approved'],
  [/^Denied by /, 'request.denied'],
  [/^Opened /, 'grant.opened'],
  [/^Closing failed/, 'grant.close_failed'],
  [/^Closing/, 'grant.closing'],
  [/^Closed /, 'grant.closed'],
];

/** Which event a reply records, and when: every reply ends with its event's time. */
function replyKey(text: string): string {
  const name = REPLY_EVENTS.find(([pattern]) => pattern.test(text))?.[1] ?? `unrecognised reply ${JSON.stringify(text)}`;
  const seconds = [...text.matchAll(/<!date\^(\d+)\^/g)].at(-1)?.[1];
  return `${name} @ ${seconds}`;
}

/** Each audit event but the first (the thread's root) as a reply, exactly once. */
function expectAuditThreadMatches(db: string, id: string): void {
  const { events } = readDb(db, id);
  const thread = auditThread(id);
  expect(thread.roots).toBe(1);
  expect(thread.replies).toEqual(
    events
      .slice(1)
      .map((e) => `${e.name} @ ${Math.floor(e.at / 1000)}`)
      .sort(),
  );
}

/** No accepted NSG write carried an allow rule of the request before it was approved, or at all when it never was. */
function expectNothingOpenedBeforeApproval(db: string, id: string): void {
  const approvedAt = readDb(db, id).events.find((e) => e.name === 'request.approved')?.at ?? Infinity;
  const firstOpen = allowHistory(azure, id).find((write) => write.open);
  if (firstOpen) expect(firstOpen.at).toBeGreaterThanOrEqual(approvedAt);
}

function expectNoAllowRulesLeft(): void {
  const names = azure.arm.world.rules(azure.nsgId).map((rule) => rule.name);
  expect(names.filter((name) => name.startsWith('jit-allow-'))).toEqual([]);
  expect(names).toContain('jit-deny-10.0.0.4-22-tcp');
}

describe('the bot process killed at each crash point', () => {
  it('everyCrashPoint_hasACase', () => {
    expect(CASES.map((c) => c.point)).toEqual([...CRASH_POINTS]);
  });

  it.each(CASES)(
    '$point: restartConverges',
    async ({ point, stateAtCrash, ruleAtCrash }) => {
      const db = join(mkdtempSync(join(dir, 'case-')), 'jit.db');
      const id = await driveUntilCrash(await startBot(db, point), db);

      const atCrash = readDb(db, id);
      expect(atCrash.state).toBe(stateAtCrash);
      expect(allowRulesNow(azure, id).length > 0).toBe(ruleAtCrash);
      expectNothingOpenedBeforeApproval(db, id);

      const restarted = await startBot(db);
      if (stateAtCrash === 'pending') {
        // The approval never committed: the restart opens nothing, and the approver has to click again.
        expect(readDb(db, id).state).toBe('pending');
        expect(allowRulesNow(azure, id)).toEqual([]);
        await click(restarted, id, 'jit_approve');
      }
      const opened = await eventually('the grant to open or close', () => {
        const view = readDb(db, id);
        return view.state === 'active' || view.state === 'closed' ? view : undefined;
      });
      if (opened.state === 'active' && opened.request!.endAt! > Date.now() + 200) {
        expect(allowRulesNow(azure, id)).toHaveLength(1);
      }

      await eventually('the grant to close', () => readDb(db, id).state === 'closed', GRANT_SECONDS * 1000 + SWEEP_MS + 10_000);
      await eventually('the outbox to drain', () => readDb(db, id).undelivered === 0);
      const final = readDb(db, id);
      expect(final.events.map((e) => e.name)).toEqual(LIFECYCLE);
      expectNoAllowRulesLeft();
      expectNothingOpenedBeforeApproval(db, id);
      // Closed on the firewall within a sweep interval of its end, or of the restart when it ended while the bot was dead.
      const history = allowHistory(azure, id);
      const lastOpen = history.map((write) => write.open).lastIndexOf(true);
      const goneAt = history[lastOpen + 1]!.at;
      expect(goneAt - Math.max(final.request!.endAt!, restarted.readyAt)).toBeLessThanOrEqual(SWEEP_MS);
      expectAuditThreadMatches(db, id);
      expect(slack.rejected()).toEqual([]);
    },
    60_000,
  );

  it('killedBeforeApprovalCommitted_neverOpens_evenAfterARestartAndASweep', async () => {
    const db = join(mkdtempSync(join(dir, 'case-')), 'jit.db');
    const id = await driveUntilCrash(await startBot(db, 'approving-before-commit'), db);
    expect(readDb(db, id).state).toBe('pending');

    const restarted = await startBot(db);
    await new Promise((r) => setTimeout(r, SWEEP_MS + 500));
    expect(readDb(db, id).state).toBe('pending');
    expect(allowRulesNow(azure, id)).toEqual([]);

    await click(restarted, id, 'jit_deny');
    await eventually('the denial', () => readDb(db, id).state === 'denied');
    await eventually('the outbox to drain', () => readDb(db, id).undelivered === 0);
    expect(readDb(db, id).events.map((e) => e.name)).toEqual(['request.created', 'request.denied']);
    expect(allowHistory(azure, id).filter((write) => write.open)).toEqual([]);
    expectAuditThreadMatches(db, id);
  }, 60_000);
});
