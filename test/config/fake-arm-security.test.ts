// The fake Security API keeps ARM's rules for JIT policies, checked through
// the real SDK (@azure/arm-security): PUT validates its body and answers an
// ETag, GET finds what PUT wrote, a stale If-Match is refused with 412, DELETE
// removes, and a call without the required api-version is refused.

import { request } from 'node:https';
import type { SecurityCenter } from '@azure/arm-security';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArmClients } from '../../src/firewall/azure/clients.js';
import { FAKE_SUBSCRIPTION, FakeArm } from '../support/fake-arm.js';
import { FakeArmSecurity, ssh } from '../support/fake-arm-security.js';

let fake: FakeArm;
let security: FakeArmSecurity;
let client: SecurityCenter;

beforeEach(async () => {
  fake = await FakeArm.start();
  security = FakeArmSecurity.on(fake);
  const clients = new ArmClients({
    credential: fake.credential,
    endpoint: fake.endpoint,
    tlsOptions: { ca: fake.certificate },
    retryOptions: { maxRetries: 0 },
  });
  client = await clients.security(FAKE_SUBSCRIPTION);
});
afterEach(() => fake.close());

const VM = `/subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/rg-jit/providers/Microsoft.Compute/virtualMachines/web1`;
const body = (ports: Record<string, unknown>[]) => ({ kind: 'Basic', virtualMachines: [{ id: VM, ports }] }) as never;

describe('the fake Security API', () => {
  it('put_thenGet_thenDelete_roundTripsThePolicy', async () => {
    await client.jitNetworkAccessPolicies.createOrUpdate('rg-jit', 'westeurope', 'default', body([ssh()]));
    const got = await client.jitNetworkAccessPolicies.get('rg-jit', 'westeurope', 'default');
    expect(got.virtualMachines).toEqual([{ id: VM, ports: [ssh()] }]);
    expect(security.all()).toHaveLength(1);
    await client.jitNetworkAccessPolicies.delete('rg-jit', 'westeurope', 'default');
    expect(security.all()).toEqual([]);
    await expect(client.jitNetworkAccessPolicies.get('rg-jit', 'westeurope', 'default')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('put_invalidBody_isRefusedWith400_andStoresNothing', async () => {
    await expect(
      client.jitNetworkAccessPolicies.createOrUpdate('rg-jit', 'westeurope', 'default', body([ssh({ maxRequestAccessDuration: 'P2D' })])),
    ).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining('from PT5M to P1D'),
    });
    await expect(
      client.jitNetworkAccessPolicies.createOrUpdate('rg-jit', 'westeurope', 'default', body([ssh({ allowedSourceAddressPrefixes: ['10.0.0.0/8'] })])),
    ).rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining('exactly one of allowedSourceAddressPrefix') });
    expect(security.all()).toEqual([]);
  });

  it('put_withAStaleIfMatch_is412_andTheCurrentEtagIsAccepted', async () => {
    const id = security.seed({ virtualMachines: [{ id: VM, ports: [ssh()] }] });
    const etag = security.etagOf(id)!;
    await expect(
      client.jitNetworkAccessPolicies.createOrUpdate('rg-jit', 'westeurope', 'default', body([ssh({ number: 2222 })]), {
        requestOptions: { customHeaders: { 'If-Match': 'W/"stale"' } },
      }),
    ).rejects.toMatchObject({ statusCode: 412 });
    await client.jitNetworkAccessPolicies.createOrUpdate('rg-jit', 'westeurope', 'default', body([ssh({ number: 2222 })]), {
      requestOptions: { customHeaders: { 'If-Match': etag } },
    });
    expect(security.all()[0]?.virtualMachines).toEqual([{ id: VM, ports: [ssh({ number: 2222 })] }]);
    expect(security.etagOf(id)).not.toBe(etag);
  });

  it('call_withAnotherApiVersion_isRefusedNamingTheSupportedOne', async () => {
    const path = `/subscriptions/${FAKE_SUBSCRIPTION}/providers/Microsoft.Security/jitNetworkAccessPolicies?api-version=2015-06-01-preview`;
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${fake.endpoint}${path}`, { ca: fake.certificate, headers: { authorization: 'Bearer fake-arm-token' } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'InvalidApiVersionParameter', message: expect.stringContaining("'2020-01-01'") } });
  });
});
