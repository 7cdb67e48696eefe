// The fake ARM keeps ARM's rules: checked here with the real SDK (and raw HTTPS
// where the SDK would hide what the server said), so the backend's tests can
// trust the referee.

import { request } from 'node:https';
import { NetworkManagementClient, type SecurityRule } from '@azure/arm-network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_SUBSCRIPTION, FakeArm } from '../../support/fake-arm.js';

let fake: FakeArm;
let client: NetworkManagementClient;
let nsgId: string;

const ssh = (priority: number): SecurityRule => ({
  priority,
  direction: 'Inbound',
  access: 'Allow',
  protocol: 'Tcp',
  sourcePortRange: '*',
  destinationPortRange: '22',
  sourceAddressPrefix: '*',
  destinationAddressPrefix: '*',
});

beforeAll(async () => {
  fake = await FakeArm.start();
  client = new NetworkManagementClient(fake.credential, FAKE_SUBSCRIPTION, {
    endpoint: fake.endpoint,
    tlsOptions: { ca: fake.certificate },
    retryOptions: { maxRetries: 0 },
  });
  nsgId = fake.world.addVm({ name: 'probe', privateIp: '10.9.0.4' }).nicNsgId!;
});
afterAll(async () => {
  await fake.close();
});

function raw(method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: { error?: { code: string } } }> {
  return new Promise((resolve, reject) => {
    const req = request(`${fake.endpoint}${path}`, { method, ca: fake.certificate, headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the fake ARM', () => {
  it('refusesRequestsWithoutAValidBearerToken', async () => {
    expect((await raw('GET', `${nsgId}?api-version=2025-05-01`)).body.error?.code).toBe('AuthenticationFailed');
    expect((await raw('GET', `${nsgId}?api-version=2025-05-01`, { authorization: 'Bearer nope' })).status).toBe(401);
  });

  it('refusesRequestsWithoutAnApiVersion', async () => {
    const answer = await raw('GET', nsgId, { authorization: 'Bearer fake-arm-token' });
    expect([answer.status, answer.body.error?.code]).toEqual([400, 'MissingApiVersionParameter']);
  });

  it('refusesTwoRulesWithOnePriorityAndDirection_asAzureDoes', async () => {
    await client.securityRules.beginCreateOrUpdateAndWait('rg-jit', 'probe-nsg', 'first', ssh(200), { updateIntervalInMs: 1 });
    await client.securityRules.beginCreateOrUpdateAndWait(
      'rg-jit',
      'probe-nsg',
      'outbound-twin',
      { ...ssh(200), direction: 'Outbound' },
      { updateIntervalInMs: 1 },
    );
    const error = await client.securityRules.beginCreateOrUpdateAndWait('rg-jit', 'probe-nsg', 'second', ssh(200)).catch((e: unknown) => e);
    expect(error).toMatchObject({
      statusCode: 400,
      code: 'SecurityRuleConflict',
      message: 'Security rule first conflicts with rule second. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.',
    });
  });

  it('answers412ToAStaleIfMatch_andAcceptsTheCurrentEtag', async () => {
    const before = await client.networkSecurityGroups.get('rg-jit', 'probe-nsg');
    fake.world.addRuleByHand(nsgId, { name: 'meanwhile', ...ssh(300) });
    const stale = await client.networkSecurityGroups
      .beginCreateOrUpdateAndWait('rg-jit', 'probe-nsg', before, { requestOptions: { customHeaders: { 'If-Match': before.etag! } } })
      .catch((e: unknown) => e);
    expect(stale).toMatchObject({ statusCode: 412, code: 'PreconditionFailed' });
    const fresh = await client.networkSecurityGroups.get('rg-jit', 'probe-nsg');
    expect(fresh.etag).not.toBe(before.etag);
    expect(fresh.securityRules?.every((rule) => rule.etag === fresh.etag)).toBe(true);
    const from = fake.requests.length;
    const leaked = await client.networkSecurityGroups
      .beginCreateOrUpdateAndWait('rg-jit', 'probe-nsg', fresh, { requestOptions: { customHeaders: { 'If-Match': fresh.etag! } }, updateIntervalInMs: 1 })
      .catch((e: unknown) => e);
    // The write lands; then the bare SDK copies If-Match onto its status poll,
    // which a strict server refuses. The backend strips it (clients.ts).
    expect(fake.requests.slice(from).map((r) => `${r.method} ${r.status}`)).toEqual(['PUT 200', 'GET 412']);
    expect(leaked).toMatchObject({ statusCode: 412 });
  });

  it('finishesWritesAsynchronously_throughAzureAsyncOperation', async () => {
    const from = fake.requests.length;
    const poller = await client.securityRules.beginCreateOrUpdate('rg-jit', 'probe-nsg', 'async', ssh(400), { updateIntervalInMs: 1 });
    expect((await client.networkSecurityGroups.get('rg-jit', 'probe-nsg')).provisioningState).toBe('Updating');
    await poller.pollUntilDone();
    expect((await client.networkSecurityGroups.get('rg-jit', 'probe-nsg')).provisioningState).toBe('Succeeded');
    expect(fake.requests.slice(from).filter((r) => r.path.includes('/operations/')).length).toBeGreaterThanOrEqual(2);
  });

  it('deletesRulesAsynchronously_andAnswers204ForOnesAlreadyGone', async () => {
    await client.securityRules.beginDeleteAndWait('rg-jit', 'probe-nsg', 'async', { updateIntervalInMs: 1 });
    expect(fake.world.rules(nsgId).map((r) => r.name)).not.toContain('async');
    const from = fake.requests.length;
    await client.securityRules.beginDeleteAndWait('rg-jit', 'probe-nsg', 'async', { updateIntervalInMs: 1 });
    expect(fake.requests.slice(from).map((r) => r.status)).toEqual([204]);
  });

  it('validatesRulesLikeArm', async () => {
    const bad = await client.securityRules.beginCreateOrUpdateAndWait('rg-jit', 'probe-nsg', 'bad', ssh(5000)).catch((e: unknown) => e);
    expect(bad).toMatchObject({ statusCode: 400, code: 'SecurityRuleInvalidPriority' });
  });
});
