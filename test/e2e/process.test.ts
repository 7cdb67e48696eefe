// The real entry point as a child process: startup errors are one line and exit
// 1; a good start serves /healthz; SIGHUP reloads; SIGTERM shuts down cleanly.

import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { BASIC_POLICY } from './harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
let dir: string;
let fake: FakeSlack;
let child: ChildProcess | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jit-process-'));
  writeFileSync(join(dir, 'policy.yaml'), BASIC_POLICY);
  fake = await startFakeSlack();
});
afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

function env(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const base: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: 'process-signing-secret-42',
    SLACK_API_URL: fake.apiUrl,
    PORT: '0',
    JIT_LISTEN_HOST: '127.0.0.1',
    JIT_POLICY: join(dir, 'policy.yaml'),
    JIT_DB: join(dir, 'jit.db'),
    JIT_AUDIT_CHANNEL: 'CAUDIT',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(base).filter(([, value]) => value !== undefined)) as NodeJS.ProcessEnv;
}

function start(environment: NodeJS.ProcessEnv): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  proc.stdout!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolveExit) => proc.on('exit', (code) => resolveExit(code)));
  child = proc;
  return { child: proc, stderr: () => stderr, exit };
}

async function waitForLog(read: () => string, pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = read().match(pattern);
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`log never matched ${pattern}:\n${read()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
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
    expect(run.stderr()).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });

  it('badPolicy_exitsNamingEveryProblemWithItsPath', async () => {
    writeFileSync(
      join(dir, 'policy.yaml'),
      'virtualMachines:\n  - id: web-1\n    ports:\n      - {number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: 3 hours}\n',
    );
    const run = start(env());
    expect(await run.exit).toBe(1);
    expect(run.stderr()).toMatch(/^jit: JIT_POLICY \(.*policy\.yaml\) is invalid:\nvirtualMachines\[0\]\.ports\[0\]\.maxRequestAccessDuration: /);
  });

  it('goodStart_servesHealth_reloadsOnSighup_stopsOnSigterm', async () => {
    const run = start(env());
    const [, port] = await waitForLog(run.stderr, /HTTP mode on port (\d+)/);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });

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
