// What an operator sees when the set-up is wrong, from the real entry point as
// a child process: a token Slack refuses, a bot not in its channels, the
// placeholders of .env.example, an empty required variable, a port in use —
// each one `jit:` line and exit 1, no stack trace. A Slack that cannot be
// reached is not a refusal: the bot keeps serving, /readyz says why it is not
// ready, and it becomes ready by itself once Slack answers.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack, type FakeSlackOptions } from '../support/fake-slack.js';
import { slashCommand } from '../support/slack-requests.js';
import { type BotProcess, botEnv, STACK_FRAME, startBotProcess, waitForLog } from './child-process.js';
import { BASIC_POLICY } from './harness.js';

const SECRET = 'process-signing-secret-42';
let dir: string;
let fake: FakeSlack | undefined;
let bot: BotProcess | undefined;
let blocker: Server | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jit-startup-'));
  writeFileSync(join(dir, 'policy.yaml'), BASIC_POLICY);
});
afterEach(async () => {
  bot?.child.kill('SIGKILL');
  bot = undefined;
  await fake?.close();
  fake = undefined;
  await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
  blocker = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function refusal(overrides: Record<string, string | undefined>, slack: FakeSlackOptions = {}): Promise<string[]> {
  fake = await startFakeSlack(slack);
  bot = startBotProcess(botEnv(dir, fake.apiUrl, overrides));
  expect(await bot.exit).toBe(1);
  expect(bot.output()).not.toMatch(STACK_FRAME);
  return bot.output().trim().split('\n');
}

async function readyz(port: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('a bad environment', () => {
  it('emptyRequiredVariable_isToldItIsRequired', async () => {
    const lines = await refusal({ JIT_AUDIT_CHANNEL: '' });
    expect(lines).toEqual([expect.stringMatching(/^jit: JIT_AUDIT_CHANNEL is required: set it to the ID of the audit channel/)]);
  });

  it('placeholdersOfEnvExample_areRefusedByName_oneJitLineEach', async () => {
    const lines = await refusal({ SLACK_BOT_TOKEN: 'xoxb-your-bot-token', JIT_AUDIT_CHANNEL: 'C0123456789', JIT_LOG_LEVEL: 'loud' });
    expect(lines).toHaveLength(3);
    expect(lines.every((line) => line.startsWith('jit: '))).toBe(true);
    expect(lines).toContainEqual(expect.stringMatching(/^jit: SLACK_BOT_TOKEN is still the placeholder from \.env\.example: copy the Bot User OAuth Token/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^jit: JIT_AUDIT_CHANNEL is still the placeholder from \.env\.example: put the ID of your audit channel/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^jit: JIT_LOG_LEVEL must be one of debug, info, warn, error/));
  });

  it('portInUse_isOneLineSayingWhatToDo', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const port = String((blocker.address() as AddressInfo).port);
    // The bot got as far as its log lines of a normal start; the refusal is the one `jit:` line.
    const lines = (await refusal({ PORT: port })).filter((line) => line.startsWith('jit:'));
    expect(lines).toEqual([`jit: PORT ${port} is already in use on 127.0.0.1: stop what listens there (another jit bot?) or set PORT to a free port`]);
  });
});

describe('a Slack set-up Slack refuses', () => {
  it('tokenSlackDoesNotAccept_exitsNamingSlackBotToken', async () => {
    const lines = await refusal({ SLACK_BOT_TOKEN: 'xoxb-revoked-long-ago' });
    expect(lines).toEqual([expect.stringMatching(/^jit: SLACK_BOT_TOKEN is not accepted by Slack \(invalid_auth\): copy the Bot User OAuth Token/)]);
    expect(bot!.output()).not.toContain('xoxb-revoked-long-ago');
  });

  it('tokenOfNoBot_isRefused', async () => {
    const lines = await refusal({}, { methods: { 'auth.test': () => ({ ok: true, user: 'alice', user_id: 'UALICE', team: 'Test', team_id: 'T1' }) } });
    expect(lines).toEqual([expect.stringMatching(/^jit: SLACK_BOT_TOKEN is not a bot token/)]);
  });

  it('botNotInTheAuditChannel_isToldToInviteIt', async () => {
    const lines = await refusal({}, { channels: { CAUDIT: { name: 'jit-audit', is_member: false } } });
    expect(lines).toEqual(['jit: the bot is not in JIT_AUDIT_CHANNEL #jit-audit (CAUDIT): invite it with `/invite @jit` in that channel']);
  });

  it('archivedAuditChannel_isRefused', async () => {
    const lines = await refusal({}, { channels: { CAUDIT: { name: 'old-audit', is_archived: true } } });
    expect(lines).toEqual([expect.stringMatching(/^jit: JIT_AUDIT_CHANNEL #old-audit \(CAUDIT\) is archived: unarchive it/)]);
  });

  it('approvalChannelThatDoesNotExist_isRefused', async () => {
    const lines = await refusal({ JIT_APPROVAL_CHANNEL: 'CAPPROVALS' }, { channels: { CAPPROVALS: null } });
    expect(lines).toEqual([
      expect.stringMatching(/^jit: JIT_APPROVAL_CHANNEL CAPPROVALS does not exist, or is a private channel the bot is not in: .*`\/invite @jit`/),
    ]);
  });
});

describe('a Slack that does not answer', () => {
  it('slackDownAtStart_keepsServingNotReady_thenReadyAndAnsweringOnceSlackIsUp', async () => {
    const port = await freePort();
    const apiUrl = `http://127.0.0.1:${port}/api/`;
    bot = startBotProcess(botEnv(dir, apiUrl));
    await waitForLog(bot.output, new RegExp(`cannot reach Slack at ${apiUrl.replace(/[.]/g, '\\.')} \\(auth\\.test\\): ECONNREFUSED`));
    const [, botPort] = await waitForLog(bot.output, /HTTP mode on port (\d+)/);
    const before = await readyz(botPort!);
    expect(before).toMatchObject({
      status: 503,
      body: { status: 'not_ready', database: 'ok', slack: expect.stringMatching(/^cannot reach Slack at .*; not ready; checking again in \d+s$/) },
    });
    expect(bot.child.exitCode).toBeNull();
    // Slack stays down over a retry of the checks (and past any retry of Bolt's own), then comes up.
    await waitForLog(bot.output, /cannot reach Slack[^\n]*\n(?:.*\n)*.*cannot reach Slack/);

    fake = await startFakeSlack({ port });
    await waitForLog(bot.output, /Slack set-up checked after \d+ attempts: the bot is ready/, 30_000);
    expect(await readyz(botPort!)).toMatchObject({ status: 200, body: { status: 'ready', slack: 'ok' } });
    // Bolt authorises requests with what the checks learnt: a /jit after Slack came back is answered.
    const posted = await slashCommand(`http://127.0.0.1:${botPort}`, SECRET, { text: 'help', userId: 'UALICE', responseUrl: fake.responseUrl('late') });
    expect(posted.status).toBe(200);
    expect((await fake.waitForResponse((r) => r.id === 'late')).body.text).toEqual(expect.any(String));
  });

  it('slackAnswers503_thenRefusesOnARetry_staysNotReady_untilTheBotIsInvited', async () => {
    fake = await startFakeSlack({ channels: { CAUDIT: { name: 'jit-audit', is_member: false } } });
    fake.failNext('auth.test', 1, { status: 503 });
    bot = startBotProcess(botEnv(dir, fake.apiUrl));
    await waitForLog(bot.output, /cannot reach Slack at .* \(auth\.test\): HTTP 503/);
    const [, botPort] = await waitForLog(bot.output, /HTTP mode on port (\d+)/);
    // The retry reaches Slack, which says no: logged as an error, still serving, not ready, with the reason.
    await waitForLog(bot.output, /ERROR .*the bot is not in JIT_AUDIT_CHANNEL #jit-audit \(CAUDIT\): invite it with `\/invite @jit`/);
    expect(bot.child.exitCode).toBeNull();
    expect(await readyz(botPort!)).toMatchObject({
      status: 503,
      body: { status: 'not_ready', slack: expect.stringMatching(/^the bot is not in JIT_AUDIT_CHANNEL/) },
    });

    fake.channels.CAUDIT = { name: 'jit-audit', is_member: true };
    await waitForLog(bot.output, /the bot is ready/, 30_000);
    expect(await readyz(botPort!)).toMatchObject({ status: 200, body: { status: 'ready', slack: 'ok' } });
  });
});
