// VMs behind an Azure Firewall, through the whole bot over signed HTTP: the
// azure-firewall backend against the fake ARM (Compute, Network and the
// firewall provider). An approved request becomes a DNAT rule with the
// requester's source and the VM's translation, the DM and `/jit list` say
// where to connect, the audit thread says through which public port, and the
// end of the grant removes it. A VM an NSG guards too gets both; a DNAT rule
// made by hand in the bot's group is drift the sweep removes. The Home says
// which guard each VM has.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AzureFirewallBackend } from '../../src/firewall/azure/index.js';
import type { AddedFirewall, FakeArmFirewall } from '../support/fake-arm-firewall.js';
import type { FakeArm } from '../support/fake-arm.js';
import type { RecordedCall } from '../support/fake-slack.js';
import { firewallBackendFor, startFirewallFake } from '../firewall/azure/firewall-harness.js';
import { addVm, type TestVm } from '../firewall/azure/harness.js';
import { AUDIT, requestIdIn, startE2E, stopChecked, until, type E2E } from './harness.js';
import { homeText, openHome } from './home-support.js';

const GROUP = 'jit-access-bot';
const FIREWALL_SUBNET = '10.0.100.0/26';

let arm: FakeArm;
let provider: FakeArmFirewall;
let e2e: E2E | undefined;
let n = 0;

beforeAll(async () => {
  ({ fake: arm, firewall: provider } = await startFirewallFake());
});
afterAll(() => arm.close());
afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
});

interface World {
  fw: AddedFirewall;
  /** Guarded by its NSG and the firewall. */
  app: TestVm;
  /** Guarded by the firewall alone (no NSG). */
  bare: TestVm;
  backend: AzureFirewallBackend;
}

/** A firewall and two VMs of this test's own, and the bot with a policy naming them. */
async function start(): Promise<World> {
  n += 1;
  const fw = provider.addFirewall({ name: `fw-${n}` });
  const app = addVm(arm, `app-${n}`, `10.20.${n}.4`);
  const bare = addVm(arm, `bare-${n}`, `10.20.${n}.5`, { nicNsg: null });
  const backend = firewallBackendFor(arm, fw.firewallId);
  const port = (number: number) => `      - { number: ${number}, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT1H }`;
  const policy = [
    'approvers: [UAPPROVER1]',
    'virtualMachines:',
    `  - id: ${app.vmId}`,
    '    name: app-1',
    '    backend: azure-firewall',
    '    ports:',
    port(22),
    `  - id: ${bare.vmId}`,
    '    name: bare-1',
    '    backend: azure-firewall',
    '    ports:',
    port(3389),
    '',
  ].join('\n');
  e2e = await startE2E({ policy, moreBackends: [backend] });
  return { fw, app, bare, backend };
}

const dnatRules = (w: World) => provider.natRules(w.fw.policyId, GROUP);
const nsgAllows = (vm: TestVm) => arm.world.rules(vm.nicNsgId!).filter((rule) => rule.name.startsWith('jit-allow-'));

const approvalTo = (e: E2E, id: string): Promise<RecordedCall> =>
  e.fake.waitFor(
    (c) =>
      c.method === 'chat.postMessage' &&
      c.args.channel === 'UAPPROVER1' &&
      JSON.stringify(c.args).includes('jit_approve') &&
      JSON.stringify(c.args).includes(id),
  );

async function approved(e: E2E, text: string): Promise<string> {
  const id = requestIdIn(await e.command('UREQ', text));
  await e.click('UAPPROVER1', await approvalTo(e, id), 'jit_approve', { expectReply: false });
  await until(async () => (await e.bot.workflow.get(id)).state === 'active', 20_000);
  return id;
}

const dmsTo = (e: E2E, user: string) =>
  e.fake
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === user)
    .map((c) => String(c.args.text));

describe('VMs behind an Azure Firewall', () => {
  it('approve_addsTheDnatRule_andTheNsgRule_theDmAndListSayWhereToConnect_andTheEndRemovesBoth', async () => {
    const w = await start();
    const id = await approved(e2e!, 'request app-1 22 198.51.100.7 3s rotate keys');

    // The DNAT rule: the requester's source, the firewall's public IP and port 50022, translated to the VM's 22.
    expect(dnatRules(w)).toEqual([
      expect.objectContaining({
        name: `jit-${id}-22-tcp`,
        ipProtocols: ['TCP'],
        sourceAddresses: ['198.51.100.7/32'],
        destinationAddresses: [w.fw.publicIp],
        destinationPorts: ['50022'],
        translatedAddress: w.app.privateIp,
        translatedPort: '22',
      }),
    ]);
    // The VM's NSG admits the firewall's subnet (DNAT'd traffic comes from there), to that VM and port.
    expect(nsgAllows(w.app).map((rule) => rule.properties)).toEqual([
      expect.objectContaining({ access: 'Allow', sourceAddressPrefix: FIREWALL_SUBNET, destinationAddressPrefix: w.app.privateIp, destinationPortRange: '22' }),
    ]);

    // Where to connect: the DM, /jit list and the audit thread.
    await e2e!.bot.flushOutbox();
    expect(dmsTo(e2e!, 'UREQ').find((text) => text.includes('is open'))).toContain(`Connect: \`ssh -p 50022 user@${w.fw.publicIp}\``);
    expect(await e2e!.command('UREQ', 'list')).toContain(`Connect: \`ssh -p 50022 user@${w.fw.publicIp}\``);
    expect((await e2e!.auditThread(id)).join('\n')).toContain(`through ${w.fw.publicIp}:50022 → 22/TCP`);

    // The end of the grant takes both away.
    await until(async () => (await e2e!.bot.workflow.get(id)).state === 'closed', 20_000);
    expect(dnatRules(w)).toEqual([]);
    expect(nsgAllows(w.app)).toEqual([]);
    expect(arm.world.rules(w.app.nicNsgId!).map((rule) => rule.name)).toEqual([`jit-deny-${w.app.privateIp}-22-tcp`]);
  }, 40_000);

  it('aVmWithoutAnNsg_getsTheDnatRuleAlone_andRdpDetails', async () => {
    const w = await start();
    const id = await approved(e2e!, 'request bare-1 3389 203.0.113.0/24 1h incident 4711');
    expect(dnatRules(w).map((rule) => [rule.name, rule.sourceAddresses, rule.destinationPorts, rule.translatedAddress])).toEqual([
      [`jit-${id}-3389-tcp`, ['203.0.113.0/24'], ['53389'], w.bare.privateIp],
    ]);
    await e2e!.bot.flushOutbox();
    expect(dmsTo(e2e!, 'UREQ').find((text) => text.includes('is open'))).toContain(`Connect: \`mstsc /v:${w.fw.publicIp}:53389\``);
    await e2e!.command('UREQ', `revoke ${id}`);
    await until(async () => (await e2e!.bot.workflow.get(id)).state === 'closed', 20_000);
    expect(dnatRules(w)).toEqual([]);
  }, 40_000);

  it('theHome_saysWhichGuardEachVmHas_andAVmOutsideThePolicyToo', async () => {
    await start();
    const spare = addVm(arm, `spare-${n}`, `10.20.${n}.6`);
    const text = homeText(await openHome(e2e!, 'UREQ'));
    expect(text).toContain('*app-1* · 22/TCP (max 1h) · backend `azure-firewall` · guarded by NSG + Azure Firewall');
    expect(text).toContain('*bare-1* · 3389/TCP (max 1h) · backend `azure-firewall` · guarded by Azure Firewall');
    expect(text).toContain(`• *${spare.name}* (\`azure-firewall\` · guarded by NSG + Azure Firewall)`);
  }, 40_000);

  it('aDnatRuleMadeByHandInTheBotsGroup_isDrift_theSweepRemovesAndReportsIt', async () => {
    const w = await start();
    provider.addDnatRuleByHand(w.fw.policyId, GROUP, {
      name: 'jit-zzz234-22-tcp',
      ipProtocols: ['TCP'],
      sourceAddresses: ['*'],
      destinationAddresses: [w.fw.publicIp],
      destinationPorts: ['50122'],
      translatedAddress: w.app.privateIp,
      translatedPort: '22',
    });

    await e2e!.bot.sweep();
    await e2e!.bot.flushOutbox();

    expect(dnatRules(w)).toEqual([]);
    const top = e2e!.fake
      .callsTo('chat.postMessage')
      .filter((c) => c.response.ok && c.args.channel === AUDIT && !c.args.thread_ts)
      .map((c) => String(c.args.text));
    expect(top).toContainEqual(
      expect.stringMatching(
        /^<!here> :warning: Drift repaired: backend azure-firewall allows 22\/TCP on app-1 from \*, but no request zzz234 is stored: closed/,
      ),
    );
  }, 40_000);
});
