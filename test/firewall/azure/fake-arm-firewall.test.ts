// The fake firewall provider keeps ARM's rules: checked here with the real SDK
// (beginCreateOrUpdate without waiting where a write must stay unfinished), so
// the azure-firewall backend's tests can trust the referee.

import { type FirewallPolicyRuleCollectionGroup, NetworkManagementClient, type NatRule } from '@azure/arm-network';
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_SUBSCRIPTION, type FakeArm } from '../../support/fake-arm.js';
import type { AddedFirewall, FakeArmFirewall } from '../../support/fake-arm-firewall.js';
import { startFirewallFake } from './firewall-harness.js';

let fake: FakeArm;
let provider: FakeArmFirewall;
let client: NetworkManagementClient;
let fw: AddedFirewall;
let policy: string;
let counter = 0;

beforeAll(async () => {
  ({ fake, firewall: provider } = await startFirewallFake());
  client = new NetworkManagementClient(fake.credential, FAKE_SUBSCRIPTION, {
    endpoint: fake.endpoint,
    tlsOptions: { ca: fake.certificate },
    retryOptions: { maxRetries: 0 },
  });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  counter += 1;
  fw = provider.addFirewall({ name: `probe-${counter}` });
  policy = `probe-${counter}-policy`;
});

const rule = (name: string, publicPort: string, to: string, extra: Partial<NatRule> = {}): NatRule => ({
  ruleType: 'NatRule',
  name,
  ipProtocols: ['TCP'],
  sourceAddresses: ['*'],
  destinationAddresses: [fw.publicIp],
  destinationPorts: [publicPort],
  translatedAddress: to,
  translatedPort: '22',
  ...extra,
});
const groupOf = (priority: number, rules: NatRule[]): FirewallPolicyRuleCollectionGroup => ({
  priority,
  ruleCollections: [{ ruleCollectionType: 'FirewallPolicyNatRuleCollection', name: 'dnat', priority: 100, action: { type: 'DNAT' }, rules }],
});
const put = (name: string, body: FirewallPolicyRuleCollectionGroup, ifMatch?: string) =>
  client.firewallPolicyRuleCollectionGroups
    .beginCreateOrUpdateAndWait('rg-hub', policy, name, body, {
      updateIntervalInMs: 1,
      ...(ifMatch ? { requestOptions: { customHeaders: { 'If-Match': ifMatch } } } : {}),
    })
    .catch((error: unknown) => error);

describe('the fake firewall provider', () => {
  it('servesTheFirewall_itsPublicIp_andItsPolicy', async () => {
    const firewall = await client.azureFirewalls.get('rg-hub', `probe-${counter}`);
    expect(firewall.firewallPolicy?.id).toBe(fw.policyId);
    const ip = await client.publicIPAddresses.get('rg-hub', `probe-${counter}-pip`);
    expect(ip.ipAddress).toBe(fw.publicIp);
    expect((await client.firewallPolicies.get('rg-hub', policy)).id).toBe(fw.policyId);
  });

  it('storesAGroup_andListsIt_withAnEtag', async () => {
    const written = await put('mine', { ...groupOf(300, [rule('a', '50022', '10.0.0.4')]), ruleCollections: [] });
    expect(written).toMatchObject({ name: 'mine', priority: 300, provisioningState: 'Succeeded' });
    const listed = [];
    for await (const group of client.firewallPolicyRuleCollectionGroups.list('rg-hub', policy)) listed.push(group);
    expect(listed.map((g) => [g.name, typeof g.etag])).toEqual([['mine', 'string']]);
  });

  it('refusesASecondGroupWithOnePriority', async () => {
    provider.addGroupByHand(fw.policyId, 'platform', 200);
    expect(await put('mine', { priority: 200, ruleCollections: [] })).toMatchObject({
      statusCode: 400,
      code: 'FirewallPolicyRuleCollectionGroupPriorityNotUnique',
      message: expect.stringContaining('same priority 200 as Rule Collection Group platform'),
    });
  });

  it('refusesOnePublicPortMappedToTwoDestinations_evenAcrossGroups', async () => {
    provider.addGroupByHand(fw.policyId, 'platform', 200, [rule('theirs', '50022', '10.9.9.9')]);
    expect(await put('mine', groupOf(300, [rule('ours', '50022', '10.0.0.4')]))).toMatchObject({
      statusCode: 400,
      code: 'FirewallPolicyNatRuleDuplicateDestination',
    });
    // The same destination from another source is fine, and so is another protocol.
    expect(await put('mine', groupOf(300, [rule('ours', '50022', '10.9.9.9'), rule('udp', '50022', '10.0.0.4', { ipProtocols: ['UDP'] })]))).toMatchObject({
      name: 'mine',
    });
  });

  it('validatesNatRules', async () => {
    expect(await put('mine', groupOf(300, [rule('a', '50022', '10.0.0.4'), rule('A', '50023', '10.0.0.5')]))).toMatchObject({
      code: 'FirewallPolicyRuleNameNotUnique',
    });
    expect(await put('mine', groupOf(300, [rule('a', '50022', '', { translatedAddress: undefined })]))).toMatchObject({
      statusCode: 400,
      code: 'FirewallPolicyNatRuleInvalid',
    });
    expect(await put('mine', groupOf(300, [rule('a', '50022', '10.0.0.4', { sourceAddresses: [] })]))).toMatchObject({ code: 'FirewallPolicyNatRuleInvalid' });
  });

  it('answers412ToAStaleIfMatch', async () => {
    const first = (await put('mine', { priority: 300, ruleCollections: [] })) as FirewallPolicyRuleCollectionGroup;
    await put('mine', { priority: 310, ruleCollections: [] });
    const from = fake.requests.length;
    expect(await put('mine', { priority: 300, ruleCollections: [] }, first.etag)).toMatchObject({ statusCode: 412, code: 'PreconditionFailed' });
    expect(fake.requests.slice(from).map((r) => `${r.method} ${r.status}`)).toEqual(['PUT 412']);
  });

  it('answers409ToAWriteWhileAnotherWriteToThePolicyIsUnfinished', async () => {
    const poller = await client.firewallPolicyRuleCollectionGroups.beginCreateOrUpdate('rg-hub', policy, 'first', { priority: 300, ruleCollections: [] });
    expect(await put('second', { priority: 400, ruleCollections: [] })).toMatchObject({ statusCode: 409, code: 'AnotherOperationInProgress' });
    await poller.pollUntilDone();
    expect(await put('second', { priority: 400, ruleCollections: [] })).toMatchObject({ name: 'second' });
  });

  it('servesClassicVms_onlyWhereTheProviderIsRegistered', async () => {
    const sub = `0000000${counter}-0000-0000-0000-0000000c1a55`;
    provider.addClassicVm(sub, 'legacy');
    const from = fake.requests.length;
    const answers = await Promise.all(
      [sub, FAKE_SUBSCRIPTION].map((s) =>
        client.sendRequest(
          createPipelineRequest({ url: `${fake.endpoint}/subscriptions/${s}/providers/Microsoft.ClassicCompute/virtualMachines?api-version=2017-04-01` }),
        ),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 404]);
    expect(JSON.parse(answers[0]!.bodyAsText!).value).toMatchObject([{ name: 'legacy', type: 'Microsoft.ClassicCompute/virtualMachines' }]);
    expect(fake.requests.length - from).toBe(2);
  });
});
