// Several real bot processes (src/main.ts) on one PostgreSQL database, as a
// team runs them behind a load balancer: each replica is its own process on
// its own port, all share the database, one fake Slack, and one real nftables
// ruleset (in a network namespace of the test's own, which every replica
// drives through JIT_NFT_COMMAND, as replicas drive a gateway over ssh).
// Requests reach whichever replica the test picks, signed as Slack signs them.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startFakeSlack, type FakeSlack, type RecordedCall } from '../support/fake-slack.js';
import { removeNamespace, run } from '../support/netns.js';
import { blockAction, slashCommand } from '../support/slack-requests.js';

const ROOT = resolve(import.meta.dirname, '../..');
export const SECRET = 'replica-signing-secret-0123';
export const AUDIT = 'CAUDIT';
export const VM_ADDRESS = '10.203.0.9';
export const APPROVERS = ['UAPPROVER1', 'UAPPROVER2', 'UAPPROVER3', 'UAPPROVER4', 'UAPPROVER5'];

const POLICY = `
approvers: [${APPROVERS.join(', ')}]
virtualMachines:
  - id: vm-1
    address: ${VM_ADDRESS}
    backend: nftables
    ports:
      - {number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H}
`;

export interface Replica {
  id: string;
  baseUrl: string;
  child: ChildProcess;
  log(): string;
  exited: Promise<number | null>;
}

export interface Cluster {
  fake: FakeSlack;
  replicas: Map<string, Replica>;
  /** Starts (or restarts) replica `id`; resolves once it serves HTTP. */
  start(id: string): Promise<Replica>;
  kill(id: string, signal?: NodeJS.Signals): Promise<void>;
  /** `/jit <text>` as `user` through replica `id`; resolves with the ephemeral reply. */
  command(id: string, user: string, text: string): Promise<string>;
  /** Clicks a button of a posted message through replica `id`; resolves with the HTTP status. */
  click(id: string, user: string, message: RecordedCall, actionId: string): Promise<number>;
  /** GET /readyz of replica `id`. */
  readiness(id: string): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Request ids of the allow elements now in the kernel. */
  openInKernel(): Promise<string[]>;
  stop(): Promise<void>;
}

let counter = 0;

export async function startCluster(options: { dbUrl: string; env?: Record<string, string> }): Promise<Cluster> {
  const fake = await startFakeSlack();
  const dir = mkdtempSync(join(tmpdir(), 'jit-replicas-'));
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  const ns = `jit-rep-${process.pid}-${++counter}`;
  await run(['ip', 'netns', 'add', ns]);
  const replicas = new Map<string, Replica>();
  const table = 'jit_replicas';
  const nft = (args: string[]) => run(['ip', 'netns', 'exec', ns, 'nft', ...args]);

  const cluster: Cluster = {
    fake,
    replicas,
    async start(id) {
      const env: NodeJS.ProcessEnv = {
        PATH: `${process.env.PATH}:/usr/sbin:/sbin`,
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: fake.apiUrl,
        PORT: '0',
        JIT_LISTEN_HOST: '127.0.0.1',
        JIT_POLICY: join(dir, 'policy.yaml'),
        JIT_DB: options.dbUrl,
        JIT_DB_POOL: '4',
        JIT_REPLICA_ID: id,
        JIT_AUDIT_CHANNEL: AUDIT,
        JIT_BACKEND: 'nftables',
        JIT_NFT_COMMAND: `ip netns exec ${ns} nft`,
        JIT_NFT_TABLE: table,
        ...options.env,
      };
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let log = '';
      child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
      const deadline = Date.now() + 30_000;
      for (;;) {
        const match = /HTTP mode on port (\d+)/.exec(log);
        if (match) {
          const replica = { id, baseUrl: `http://127.0.0.1:${match[1]}`, child, log: () => log, exited };
          replicas.set(id, replica);
          return replica;
        }
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`replica ${id} did not start:\n${log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async kill(id, signal = 'SIGKILL') {
      const replica = replicas.get(id);
      if (!replica || replica.child.exitCode !== null) return;
      replica.child.kill(signal);
      await replica.exited;
    },
    async command(id, user, text) {
      const responseId = `cmd-${id}-${++counter}`;
      const from = fake.responses.length;
      const result = await slashCommand(baseUrlOf(id), SECRET, { text, userId: user, responseUrl: fake.responseUrl(responseId) });
      if (result.status !== 200) throw new Error(`/jit ${text} on ${id} answered HTTP ${result.status}`);
      const reply = await fake.waitForResponse((r) => r.id === responseId, { from, timeoutMs: 20_000 });
      return String(reply.body.text ?? '');
    },
    async click(id, user, message, actionId) {
      const result = await blockAction(baseUrlOf(id), SECRET, {
        userId: user,
        actionId,
        messageTs: String(message.response.ts),
        channelId: String(message.response.channel),
        messageBlocks: message.args.blocks as unknown[],
        responseUrl: fake.responseUrl(`act-${id}-${++counter}`),
      });
      return result.status;
    },
    async readiness(id) {
      const response = await fetch(`${baseUrlOf(id)}/readyz`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    async openInKernel() {
      const listing = await nft(['list', 'table', 'inet', table]).catch(() => '');
      return [...listing.matchAll(/comment "([a-z0-9]{6})"/g)].map((match) => match[1]!);
    },
    async stop() {
      for (const id of replicas.keys()) await cluster.kill(id);
      await fake.close();
      await removeNamespace(ns);
      rmSync(dir, { recursive: true, force: true });
    },
  };

  function baseUrlOf(id: string): string {
    const replica = replicas.get(id);
    if (!replica) throw new Error(`no replica ${id}`);
    return replica.baseUrl;
  }
  return cluster;
}

/** Polls until `check` holds; fails after `timeoutMs`, naming what it waited for. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The request id in a reply (`#k7m2qp`). */
export function requestIdIn(text: string): string {
  const match = /#([23456789a-hjkmnp-z]{6})\b/.exec(text);
  if (!match) throw new Error(`no request id in: ${text}`);
  return match[1]!;
}
