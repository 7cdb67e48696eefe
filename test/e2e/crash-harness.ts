// What the crash test needs around the real bot process: the process itself
// (spawned, watched, killed), a fake Azure whose state outlives it (the fake ARM
// in this test process, reached the way production reaches Azure: the Azure CLI
// credential, TLS trust from NODE_EXTRA_CA_CERTS), and read-only views of the
// bot's SQLite file and of the ARM writes, so the test can judge convergence.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { AccessRequest, AuditEventName, RequestState } from '../../src/domain/types.js';
import { FakeArm } from '../support/fake-arm.js';

const ROOT = resolve(import.meta.dirname, '../..');

export interface BotProcess {
  child: ChildProcess;
  port: number;
  /** When the bot said it was serving: its startup sweep has run by then. */
  readyAt: number;
  log(): string;
  /** Resolves with the signal or exit code the process ended with. */
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `node --import tsx src/main.ts`; resolves once it serves HTTP. */
export async function startBotProcess(env: NodeJS.ProcessEnv): Promise<BotProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const match = /HTTP mode on port (\d+)/.exec(log);
    if (match) return { child, port: Number(match[1]), readyAt: Date.now(), log: () => log, ended };
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`bot did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Ends a bot this test started, whatever state it is in. */
export async function killBot(bot: BotProcess | undefined): Promise<void> {
  if (!bot || bot.child.exitCode !== null || bot.child.signalCode !== null) return;
  bot.child.kill('SIGKILL');
  await bot.ended;
}

export interface FakeAzure {
  arm: FakeArm;
  vmId: string;
  nsgId: string;
  /** Environment that points a bot process at this fake: endpoint, credential, TLS trust. */
  env: Record<string, string>;
}

/**
 * A fake ARM with one VM, and what a child process needs to use it: an `az` on
 * its PATH that hands out the fake's token (DefaultAzureCredential's Azure CLI
 * credential, chosen with AZURE_TOKEN_CREDENTIALS), and the fake's certificate.
 */
export async function startFakeAzure(dir: string, vm: { name: string; privateIp: string }): Promise<FakeAzure> {
  const arm = await FakeArm.start();
  const added = arm.world.addVm(vm);
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const token = JSON.stringify({ accessToken: 'fake-arm-token', expires_on: Math.floor(Date.now() / 1000) + 3600, tokenType: 'Bearer' });
  writeFileSync(join(bin, 'az'), `#!/bin/sh\necho '${token}'\n`);
  chmodSync(join(bin, 'az'), 0o755);
  const ca = join(dir, 'fake-arm.pem');
  writeFileSync(ca, arm.certificate);
  return {
    arm,
    vmId: added.vmId,
    nsgId: added.nicNsgId!,
    env: {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      AZURE_ARM_ENDPOINT: arm.endpoint,
      AZURE_TOKEN_CREDENTIALS: 'AzureCliCredential',
      NODE_EXTRA_CA_CERTS: ca,
    },
  };
}

/** Names of the allow rules of one request in a list of NSG rule names. */
const allowsOf = (names: string[], requestId: string) => names.filter((name) => name.startsWith(`jit-allow-${requestId}-`));

/** The allow rules of `requestId` now in the fake NSG. */
export function allowRulesNow(azure: FakeAzure, requestId: string): string[] {
  return allowsOf(
    azure.arm.world.rules(azure.nsgId).map((rule) => rule.name),
    requestId,
  );
}

/** Every accepted write of the NSG, in order, with whether it left an allow rule of `requestId` in place. */
export function allowHistory(azure: FakeAzure, requestId: string): { at: number; open: boolean }[] {
  return azure.arm.requests
    .filter((r) => r.method === 'PUT' && r.path.toLowerCase() === azure.nsgId.toLowerCase() && r.status < 300 && !r.scripted)
    .map((r) => {
      const rules = ((r.body?.properties as { securityRules?: { name: string }[] } | undefined)?.securityRules ?? []).map((rule) => rule.name);
      return { at: r.at, open: allowsOf(rules, requestId).length > 0 };
    });
}

export interface DbView {
  request: AccessRequest | undefined;
  state: RequestState | undefined;
  events: { name: AuditEventName; at: number }[];
  /** Outbox rows of the request not yet delivered to Slack. */
  undelivered: number;
}

/** Ids of the requests in the bot's database, oldest first (read-only: a bot may be running on it). */
export function storedRequestIds(path: string): string[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare<[], { id: string }>('SELECT id FROM requests ORDER BY created_at, id')
      .all()
      .map((row) => row.id);
  } finally {
    db.close();
  }
}

/** Reads one request from the bot's database without writing to it (a bot may be running on it). */
export function readDb(path: string, requestId: string): DbView {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare<[string], { data: string }>('SELECT data FROM requests WHERE id = ?').get(requestId);
    const events = db
      .prepare<[string], { name: AuditEventName; at: number }>('SELECT name, at FROM audit_events WHERE request_id = ? ORDER BY seq')
      .all(requestId);
    const { n } = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM outbox WHERE request_id = ? AND delivered_at IS NULL').get(requestId)!;
    const request = row ? (JSON.parse(row.data) as AccessRequest) : undefined;
    return { request, state: request?.state, events, undelivered: n };
  } finally {
    db.close();
  }
}

/** Polls until `check` returns a value; fails with `what` after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
