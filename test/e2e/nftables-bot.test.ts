// The whole product on a real firewall: the bot process (src/main.ts) runs the
// nftables backend against a gateway namespace; a request is made and approved
// over signed Slack HTTP; real TCP connections show the port open for the
// granted source only; then the bot is killed with SIGKILL and the kernel still
// closes the port at the end time.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { ADDRESSES, createTopology, destroyTopology, netnsUnavailable, probe, removeStaleNamespaces, startListener, type Topology } from '../support/netns.js';
import { blockAction, slashCommand } from '../support/slack-requests.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SECRET = 'nft-bot-signing-secret-123';
const unavailable = await netnsUnavailable();
if (unavailable) console.warn(`nftables bot test skipped: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('the bot on nftables, killed mid-grant', () => {
  let topology: Topology;
  let listener: ChildProcess | undefined;
  let bot: ChildProcess | undefined;
  let fake: FakeSlack;
  let dir: string;

  beforeAll(async () => {
    await removeStaleNamespaces();
    topology = await createTopology();
    listener = await startListener(topology.vm, 22);
    fake = await startFakeSlack();
    dir = mkdtempSync(join(tmpdir(), 'jit-nft-bot-'));
    writeFileSync(
      join(dir, 'policy.yaml'),
      `approvers: [UAPPROVER]
virtualMachines:
  - id: vm-1
    address: ${ADDRESSES.vm.v4}
    backend: nftables
    ports: [{number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT1H}]
`,
    );
  });

  afterAll(async () => {
    bot?.kill('SIGKILL');
    listener?.kill('SIGKILL');
    await fake?.close();
    if (topology) await destroyTopology(topology);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('grantOpensForTheGrantedSourceOnly_andTheKernelClosesItAfterTheBotIsKilled', async () => {
    // Before the bot runs, nothing guards the port.
    expect(await probe(topology.c1, ADDRESSES.vm.v4)).toBe('open');

    const started = await startBotProcess({
      PATH: process.env.PATH,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.apiUrl,
      PORT: '0',
      JIT_LISTEN_HOST: '127.0.0.1',
      JIT_POLICY: join(dir, 'policy.yaml'),
      JIT_DB: join(dir, 'jit.db'),
      JIT_AUDIT_CHANNEL: 'CAUDIT',
      JIT_BACKEND: 'nftables',
      JIT_NFT_COMMAND: `ip netns exec ${topology.gw} nft`,
    });
    bot = started.child;
    const baseUrl = `http://127.0.0.1:${started.port}`;
    // Started: the port is protected for everyone.
    expect(await probe(topology.c1, ADDRESSES.vm.v4)).toBe('blocked');
    expect(await probe(topology.c2, ADDRESSES.vm.v4)).toBe('blocked');

    const asked = await slashCommand(baseUrl, SECRET, {
      text: `request vm-1 22 ${ADDRESSES.c1.v4} 4s incident`,
      userId: 'UREQ',
      responseUrl: fake.responseUrl('req'),
    });
    expect(asked.status).toBe(200);
    const reply = await fake.waitForResponse((r) => r.id === 'req');
    const id = /#([a-z0-9]{6})/.exec(String(reply.body.text))?.[1];
    expect(id).toBeDefined();
    const approval = await fake.waitFor(
      (c) => c.method === 'chat.postMessage' && c.args.channel === 'UAPPROVER' && JSON.stringify(c.args.blocks ?? '').includes('jit_approve'),
    );
    const clicked = await blockAction(baseUrl, SECRET, {
      userId: 'UAPPROVER',
      actionId: 'jit_approve',
      messageTs: String(approval.response.ts),
      channelId: String(approval.response.channel),
      messageBlocks: approval.args.blocks as unknown[],
      responseUrl: fake.responseUrl('click'),
    });
    expect(clicked.status).toBe(200);
    const opened = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === 'UREQ' && /is open for/.test(String(c.args.text)));
    const endAt = Number(/<!date\^(\d+)\^/.exec(String(opened.args.text))?.[1]) * 1000;
    expect(endAt).toBeGreaterThan(Date.now());

    expect(await probe(topology.c1, ADDRESSES.vm.v4)).toBe('open');
    expect(await probe(topology.c2, ADDRESSES.vm.v4)).toBe('blocked');

    bot.kill('SIGKILL');
    await new Promise((done) => bot!.once('exit', done));
    expect(await probe(topology.c1, ADDRESSES.vm.v4)).toBe('open');

    // The kernel's element timeout, not the (dead) bot, closes it: whole seconds, rounded up.
    await new Promise((done) => setTimeout(done, Math.max(0, endAt - Date.now()) + 1700));
    expect(await probe(topology.c1, ADDRESSES.vm.v4)).toBe('blocked');
    expect(await probe(topology.c2, ADDRESSES.vm.v4)).toBe('blocked');
  }, 60_000);
});

async function startBotProcess(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number; log: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const match = /HTTP mode on port (\d+)/.exec(log);
    if (match) return { child, port: Number(match[1]), log: () => log };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`bot did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
