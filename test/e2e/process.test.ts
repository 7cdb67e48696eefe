// The real entry point as a child process: startup errors are one line and exit
// 1; a good start serves /healthz; SIGHUP reloads; SIGTERM shuts down cleanly.

import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { type BotProcess, botEnv, STACK_FRAME, startBotProcess, waitForLog } from './child-process.js';
import { BASIC_POLICY } from './harness.js';

let dir: string;
let fake: FakeSlack;
let bot: BotProcess | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jit-process-'));
  writeFileSync(join(dir, 'policy.yaml'), BASIC_POLICY);
  fake = await startFakeSlack();
});
afterEach(async () => {
  bot?.child.kill('SIGKILL');
  bot = undefined;
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

function env(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return botEnv(dir, fake.apiUrl, overrides);
}

function start(environment: NodeJS.ProcessEnv): { child: BotProcess['child']; stderr: () => string; exit: Promise<number | null> } {
  bot = startBotProcess(environment);
  return { child: bot.child, stderr: bot.output, exit: bot.exit };
}

describe('the bot process', () => {
  it.each([
    [{ JIT_AUDIT_CHANNEL: undefined }, /^jit: JIT_AUDIT_CHANNEL is required: set it to the ID of the audit channel/],
    [{ SLACK_BOT_TOKEN: 'token' }, /^jit: SLACK_BOT_TOKEN must be a bot token starting with xoxb-/],
    [{ PORT: 'eighty' }, /^jit: PORT must be a TCP port number/],
    [{ JIT_BACKEND: 'iptables' }, /^jit: backend `iptables` does not exist: use one of memory, nftables, azure-nsg/],
    [{ JIT_CRASH_AT: 'active-comitted' }, /^jit: JIT_CRASH_AT must be unset in production; tests set it to one of approving-before-commit, /],
  ])('badEnvironment_exitsWithOneLineNamingTheVariable %j', async (overrides, message) => {
    const run = start(env(overrides));
    expect(await run.exit).toBe(1);
    const lines = run.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(run.stderr()).not.toMatch(STACK_FRAME);
  });

  it('badPolicy_exitsNamingEveryProblemWithItsPath', async () => {
    writeFileSync(
      join(dir, 'policy.yaml'),
      'virtualMachines:\n  - id: web-1\n    ports:\n      - {number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: 3 hours}\n',
    );
    const run = start(env());
    expect(await run.exit).toBe(1);
    expect(run.stderr()).toMatch(/^jit: JIT_POLICY \(.*policy\.yaml\) is invalid:\njit: virtualMachines\[0\]\.ports\[0\]\.maxRequestAccessDuration: /);
  });

  it('goodStart_servesHealth_reloadsOnSighup_stopsOnSigterm', async () => {
    const run = start(env());
    const [, port] = await waitForLog(run.stderr, /HTTP mode on port (\d+)/);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    // Ready: Slack accepted the token and the audit channel has the bot (the checks ran before it served).
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, expect.objectContaining({ status: 'ready', slack: 'ok' })]);
    expect(fake.callsTo('conversations.info').map((c) => c.args.channel)).toEqual(['CAUDIT']);

    writeFileSync(join(dir, 'policy.yaml'), 'virtualMachines: 3\n');
    run.child.kill('SIGHUP');
    await waitForLog(run.stderr, /policy reload failed, keeping the previous policy/);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(run.stderr()).toMatch(/jit bot stopped/);
    expect(run.stderr()).not.toContain('process-signing-secret-42');
  });
});

describe('the bot process under a signed but malformed payload', () => {
  it('payloadNull_doesNotTakeTheProcessDown', async () => {
    const run = start(env());
    const [, port] = await waitForLog(run.stderr, /HTTP mode on port (\d+)/);
    const body = 'payload=null';
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = `v0=${createHmac('sha256', 'process-signing-secret-42').update(`v0:${timestamp}:${body}`).digest('hex')}`;
    // Bolt never answers this one; do not wait for it.
    void fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature },
      body,
      signal: AbortSignal.timeout(1000),
    }).catch(() => undefined);
    await waitForLog(run.stderr, /unhandled rejection, still running/);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect(run.child.exitCode).toBeNull();
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
  });
});
