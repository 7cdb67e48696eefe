// The bot with JIT_POLICY=azure://… end to end: its policy read from Defender
// for Cloud (the fake ARM's Security API) with JIT_POLICY_EXTENSIONS, its
// grants written to the VM's NSG (the fake ARM's Network API), driven over
// signed HTTP with a fake Slack. Then Defender's policy changes (the schedule
// picks it up), Azure fails (the last good policy stays, said once), recovers
// (said once), and SIGHUP reads at once. A start Azure refuses stops cleanly.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Bot, startBot } from '../../src/bot.js';
import { StartupError } from '../../src/compose/startup.js';
import { createLogger } from '../../src/log.js';
import { backendFor } from '../firewall/azure/harness.js';
import { FAKE_SUBSCRIPTION, FakeArm } from '../support/fake-arm.js';
import { FakeArmSecurity, jitVm, ssh } from '../support/fake-arm-security.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { blockAction, slashCommand } from '../support/slack-requests.js';
import { AUDIT, requestIdIn, SECRET, until } from './harness.js';

interface World {
  arm: FakeArm;
  security: FakeArmSecurity;
  slack: FakeSlack;
  dir: string;
  bot?: Bot;
  logs: string[];
}

let world: World | undefined;
afterEach(async () => {
  await world?.bot?.stop();
  await world?.slack.close();
  await world?.arm.close();
  if (world) rmSync(world.dir, { recursive: true, force: true });
  world = undefined;
});

async function setUp(): Promise<World> {
  const arm = await FakeArm.start();
  world = {
    arm,
    security: FakeArmSecurity.on(arm),
    slack: await startFakeSlack({ groups: {} }),
    dir: mkdtempSync(join(tmpdir(), 'jit-defender-e2e-')),
    logs: [],
  };
  return world;
}

async function start(w: World, extensions: string): Promise<Bot> {
  writeFileSync(join(w.dir, 'extensions.yaml'), extensions);
  w.bot = await startBot(
    {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: w.slack.apiUrl,
      PORT: '0',
      JIT_LISTEN_HOST: '127.0.0.1',
      JIT_AUDIT_CHANNEL: AUDIT,
      JIT_DB: join(w.dir, 'jit.db'),
      JIT_BACKEND: 'azure-nsg',
      JIT_POLICY: `azure://subscriptions/${FAKE_SUBSCRIPTION}`,
      JIT_POLICY_EXTENSIONS: join(w.dir, 'extensions.yaml'),
    },
    {
      backends: [backendFor(w.arm)],
      outboxPollMs: 50,
      logger: createLogger({ write: (line) => w.logs.push(line) }),
      policySource: {
        arm: { credential: w.arm.credential, endpoint: w.arm.endpoint, tlsOptions: { ca: w.arm.certificate }, retryOptions: { maxRetries: 0 } },
      },
      policyRefreshMs: 50,
    },
  );
  return w.bot;
}

let counter = 0;
async function command(w: World, user: string, text: string): Promise<string> {
  const id = `defender${++counter}`;
  const from = w.slack.responses.length;
  const result = await slashCommand(`http://127.0.0.1:${w.bot!.port}`, SECRET, { text, userId: user, responseUrl: w.slack.responseUrl(id) });
  expect(result.status).toBe(200);
  const reply = await w.slack.waitForResponse((r) => r.id === id, { from });
  return String(reply.body.text ?? '');
}

const logged = (w: World, pattern: RegExp) => w.logs.filter((line) => pattern.test(line)).length;
const listReads = (w: World) => w.arm.requests.filter((r) => r.path.endsWith('/providers/Microsoft.Security/jitNetworkAccessPolicies')).length;

describe('a bot whose policy is Defender for Cloud’s', () => {
  it('requestForADefenderVm_approved_opensItsNsgAllowRule_andTheScheduleFollowsDefender', async () => {
    const w = await setUp();
    const web = w.arm.world.addVm({ name: 'web1', privateIp: '10.0.0.4' });
    w.security.seed({ virtualMachines: [jitVm(web.vmId)] });
    await start(w, `approvers: [UAPPROVER1]\nvms:\n  ${JSON.stringify(web.vmId)}: { name: web, tags: { env: prod } }\n`);
    expect(w.bot!.workflow.ctx.policy().vms.map((vm) => vm.name)).toEqual(['web']);

    // The request and its approval, over signed HTTP.
    const reply = await command(w, 'UREQ', 'request web 22 198.51.100.7 1h rotate keys');
    const id = requestIdIn(reply);
    const approval = await w.slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.args.channel === 'UAPPROVER1' &&
        JSON.stringify(c.args).includes(id) &&
        JSON.stringify(c.args.blocks ?? '').includes('jit_approve'),
    );
    const clicked = await blockAction(`http://127.0.0.1:${w.bot!.port}`, SECRET, {
      userId: 'UAPPROVER1',
      actionId: 'jit_approve',
      messageTs: String(approval.response.ts),
      channelId: String(approval.response.channel),
      messageBlocks: approval.args.blocks as unknown[],
      responseUrl: w.slack.responseUrl(`defender-click-${id}`),
    });
    expect(clicked.status).toBe(200);
    const allow = () => w.arm.world.rules(web.nicNsgId!).find((rule) => rule.name.startsWith(`jit-allow-${id}-`));
    await until(() => allow() !== undefined, 20_000);
    expect(allow()?.properties).toMatchObject({ access: 'Allow', direction: 'Inbound', destinationPortRange: '22', sourceAddressPrefix: '198.51.100.7/32' });

    // Defender's policy gains a port: the next scheduled read applies it.
    w.security.seed({ virtualMachines: [jitVm(web.vmId, [ssh(), ssh({ number: 3389 })])] });
    await until(() => w.bot!.workflow.ctx.policy().vms[0]?.ports.length === 2, 10_000);
    expect(logged(w, /policy reloaded from azure:\/\/.*\(it changed\): 1 VMs/)).toBe(1);

    // Azure fails for a while: the last good policy stays, said once for the whole streak.
    w.security.outage(503, 'ServiceUnavailable');
    const before = listReads(w);
    await until(() => listReads(w) >= before + 3, 10_000);
    expect(logged(w, /scheduled policy read failed, keeping the last good policy: .*ServiceUnavailable/)).toBe(1);
    expect(w.bot!.workflow.ctx.policy().vms[0]?.ports.length).toBe(2);
    // SIGHUP during the outage says so every time, and changes nothing.
    expect(await w.bot!.reloadPolicy()).toBe(false);
    expect(logged(w, /policy reload failed, keeping the previous policy/)).toBe(1);

    // Azure answers again: said once; then unchanged reads are silent.
    const quietFrom = w.logs.length;
    w.security.restore();
    await until(() => logged(w, /succeeds again/) === 1, 10_000);
    const recovered = listReads(w);
    await until(() => listReads(w) >= recovered + 3, 10_000);
    expect(w.logs.slice(quietFrom).filter((line) => !/succeeds again/.test(line) && /policy/.test(line))).toEqual([]);

    // SIGHUP reads at once.
    w.security.seed({ virtualMachines: [jitVm(web.vmId, [ssh({ number: 2222 })])] });
    expect(await w.bot!.reloadPolicy()).toBe(true);
    expect(w.bot!.workflow.ctx.policy().vms[0]?.ports.map((p) => p.number)).toEqual([2222]);

    // JIT turned off for the VM in Defender: the next read takes it out of the bot's policy (its extension
    // entry, now unused, is warned about once), and a new request for it is refused.
    const db = w.arm.world.addVm({ name: 'db1', privateIp: '10.0.0.5' });
    w.security.seed({ virtualMachines: [jitVm(db.vmId)] });
    await until(
      () =>
        w
          .bot!.workflow.ctx.policy()
          .vms.map((vm) => vm.name)
          .join() === 'db1',
      10_000,
    );
    const unused =
      /extensions\.yaml: vms\[".*\/web1"\]: Defender for Cloud has no JIT policy for this VM in azure:\/\/subscriptions\/.*, so the entry is not used/;
    const settled = listReads(w);
    await until(() => listReads(w) >= settled + 3, 10_000);
    expect(logged(w, unused)).toBe(1);
    expect(await command(w, 'UREQ', 'request web 22 198.51.100.7 1h rotate keys')).toMatch(/There is no VM called .*web.*: choose one of .*db1/);
    expect(w.bot!.workflow.ctx.policy().vms.some((vm) => vm.name === 'web')).toBe(false);
  }, 60_000);

  it('start_whenAzureRefusesTheRead_stopsWithOneLineSayingWhatToCheck', async () => {
    const w = await setUp();
    w.arm.failNext({ status: 403, code: 'AuthorizationFailed', message: 'No access.', path: /jitNetworkAccessPolicies$/ });
    const started = start(w, 'approvers: [UAPPROVER1]\n');
    await expect(started).rejects.toBeInstanceOf(StartupError);
    const message = await started.then(
      () => '',
      (error: Error) => error.message,
    );
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toMatch(
      /cannot read Defender for Cloud's JIT policies: .*may not read .*grant it Microsoft\.Security\/locations\/jitNetworkAccessPolicies\/read/,
    );
    w.bot = undefined;
  });
});
