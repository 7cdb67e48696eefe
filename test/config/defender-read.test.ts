// Reading an azure:// JIT_POLICY the way the bot does (compose/startup.ts
// policyReader → firewall/azure/defender-policies.ts → the real SDK) from the
// fake ARM over HTTPS: both scopes, paging, a throttled read retried, and a
// refused or misaddressed read told as what to fix.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { policyReader, StartupError } from '../../src/compose/startup.js';
import { FAKE_SUBSCRIPTION, FakeArm } from '../support/fake-arm.js';
import { FakeArmSecurity, jitVm, SECURITY_API_VERSION, ssh } from '../support/fake-arm-security.js';

let fake: FakeArm;
let security: FakeArmSecurity;
let dir: string;

beforeEach(async () => {
  fake = await FakeArm.start({ pageSize: 1 });
  security = FakeArmSecurity.on(fake);
  dir = mkdtempSync(join(tmpdir(), 'jit-defender-'));
});
afterEach(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

const vmId = (name: string, rg = 'rg-jit') => fake.world.addVm({ name, privateIp: '10.0.0.4', resourceGroup: rg }).vmId;

function reader(url: string, extensions?: string) {
  return policyReader(
    { JIT_POLICY: url, JIT_POLICY_EXTENSIONS: extensions, AZURE_ARM_ENDPOINT: undefined },
    {
      arm: {
        credential: fake.credential,
        endpoint: fake.endpoint,
        tlsOptions: { ca: fake.certificate },
        retryOptions: { maxRetries: 3, retryDelayInMs: 5, maxRetryDelayInMs: 50 },
      },
    },
  );
}

const listCalls = () => fake.requests.filter((r) => /jitNetworkAccessPolicies$/i.test(r.path));

describe('reading Defender for Cloud', () => {
  it('subscriptionScope_readsEveryPolicyAcrossPages_withTheExtensionsMerged', async () => {
    const web = vmId('web1', 'rg-a');
    const db = vmId('db1', 'rg-b');
    security.seed({ resourceGroup: 'rg-a', virtualMachines: [jitVm(web)] });
    security.seed({ resourceGroup: 'rg-b', location: 'northeurope', virtualMachines: [jitVm(db, [ssh({ number: 5432 })])] });
    security.seed({ subscriptionId: '11111111-1111-1111-1111-111111111111', virtualMachines: [jitVm(vmId('other'))] });
    writeFileSync(join(dir, 'ext.yaml'), `approvers: [UAPPROVER1]\nvms:\n  ${JSON.stringify(web)}: { address: 10.0.0.4, backend: azure-nsg }\n`);

    const file = await reader(`azure://subscriptions/${FAKE_SUBSCRIPTION}`, join(dir, 'ext.yaml')).read();

    expect(file.policy.vms.map((vm) => [vm.name, vm.address, vm.backend, vm.ports[0]?.number])).toEqual([
      ['web1', '10.0.0.4', 'azure-nsg', 22],
      ['db1', undefined, undefined, 5432],
    ]);
    expect(file.policy.approvers).toEqual(['UAPPROVER1']);
    // Page size 1: two pages, the second through nextLink; every call with the Security API's version.
    expect(listCalls().map((r) => [r.path, r.apiVersion])).toEqual([
      [`/subscriptions/${FAKE_SUBSCRIPTION}/providers/Microsoft.Security/jitNetworkAccessPolicies`, SECURITY_API_VERSION],
      [`/subscriptions/${FAKE_SUBSCRIPTION}/providers/Microsoft.Security/jitNetworkAccessPolicies`, SECURITY_API_VERSION],
    ]);
    expect(fake.credential.scopes).toContain(`${fake.endpoint}/.default`);
  });

  it('resourceGroupScope_readsOnlyThatGroup', async () => {
    security.seed({ resourceGroup: 'rg-a', virtualMachines: [jitVm(vmId('web1', 'rg-a'))] });
    security.seed({ resourceGroup: 'rg-b', virtualMachines: [jitVm(vmId('db1', 'rg-b'))] });
    const file = await reader(`azure://subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/rg-b`).read();
    expect(file.policy.vms.map((vm) => vm.name)).toEqual(['db1']);
    expect(listCalls().map((r) => r.path)).toEqual([
      `/subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/rg-b/providers/Microsoft.Security/jitNetworkAccessPolicies`,
    ]);
  });

  it('throttled_429WithRetryAfter_isRetriedByTheSdk_andTheReadSucceeds', async () => {
    security.seed({ virtualMachines: [jitVm(vmId('web1'))] });
    fake.failNext({ status: 429, code: 'TooManyRequests', retryAfter: 1, path: /jitNetworkAccessPolicies$/ });
    const file = await reader(`azure://subscriptions/${FAKE_SUBSCRIPTION}`).read();
    expect(file.policy.vms.map((vm) => vm.name)).toEqual(['web1']);
    expect(listCalls().map((r) => [r.status, r.scripted])).toEqual([
      [429, true],
      [200, false],
    ]);
  });

  it('forbidden_403_saysWhichPermissionToGrantWhere', async () => {
    fake.failNext({ status: 403, code: 'AuthorizationFailed', message: 'The client does not have authorization.', path: /jitNetworkAccessPolicies$/ });
    const read = reader(`azure://subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/rg-jit`).read();
    await expect(read).rejects.toBeInstanceOf(StartupError);
    await expect(read).rejects.toThrow(
      `JIT_POLICY (azure://subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/rg-jit): cannot read Defender for Cloud's JIT policies: the bot's Azure identity may not read Defender for Cloud's JIT policies in resource group rg-jit of subscription ${FAKE_SUBSCRIPTION} (HTTP 403 AuthorizationFailed: The client does not have authorization.): grant it Microsoft.Security/locations/jitNetworkAccessPolicies/read there, for example with the Security Reader role`,
    );
  });

  it('unknownResourceGroupOrSubscription_404_saysToCheckTheUrl', async () => {
    fake.failNext({ status: 404, code: 'ResourceGroupNotFound', message: "Resource group 'rg-typo' could not be found.", path: /jitNetworkAccessPolicies$/ });
    await expect(reader(`azure://subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/rg-typo`).read()).rejects.toThrow(
      /resource group rg-typo of subscription .* was not found \(HTTP 404 ResourceGroupNotFound: .*\): check the subscription id and resource group in JIT_POLICY/,
    );
  });

  it('malformedUrl_isRefusedWithItsShape_beforeAnyCall', async () => {
    await expect(reader('azure://subscriptions/prod').read()).rejects.toThrow(
      /^JIT_POLICY azure:\/\/subscriptions\/prod is not a Defender for Cloud policy URL: .*write azure:\/\/subscriptions\/<subscription id>/,
    );
    expect(fake.requests).toEqual([]);
  });

  it('invalidPolicyInDefender_isReportedWithThePolicyAndVm', async () => {
    const web = vmId('web1');
    const id = security.seed({ virtualMachines: [jitVm(web, [ssh({ maxRequestAccessDuration: '3 hours' })])] });
    await expect(reader(`azure://subscriptions/${FAKE_SUBSCRIPTION}`).read()).rejects.toThrow(
      `is invalid:\nDefender for Cloud policy ${id}, VM ${web} ports[0].maxRequestAccessDuration: expected an ISO 8601 duration such as PT3H`,
    );
  });

  it('extensionsWithAFilePolicy_areRefusedRatherThanIgnored', async () => {
    writeFileSync(join(dir, 'policy.yaml'), 'virtualMachines: []\n');
    await expect(reader(join(dir, 'policy.yaml'), join(dir, 'ext.yaml')).read()).rejects.toThrow(
      /JIT_POLICY_EXTENSIONS .* is read only with an azure:\/\/ JIT_POLICY/,
    );
  });
});
