// Composing Defender for Cloud's JIT policies with JIT_POLICY_EXTENSIONS (pure:
// the Azure list is given as data): one document the policy parser validates
// as a file, and every problem told where a person fixes it.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { composeAzurePolicy, readAzurePolicy, readExtensions } from '../../src/config/azure-policy.js';
import { type AzurePolicyScope, loadPolicyFile, parseAzurePolicyUrl } from '../../src/config/policy-file.js';
import { parsePolicy } from '../../src/domain/policy/parse.js';

const SUB = '00000000-0000-0000-0000-00000000a2c0';
const SCOPE: AzurePolicyScope = { url: `azure://subscriptions/${SUB}`, subscriptionId: SUB };
const vmId = (name: string, rg = 'rg-jit') => `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${name}`;
const policyId = (rg = 'rg-jit') =>
  `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Security/locations/westeurope/jitNetworkAccessPolicies/default`;
const ssh = { number: 22, protocol: 'TCP', allowedSourceAddressPrefix: '*', maxRequestAccessDuration: 'PT3H' };

function azurePolicy(rg: string, vms: Record<string, unknown>[]) {
  return {
    id: policyId(rg),
    name: 'default',
    type: 'Microsoft.Security/locations/jitNetworkAccessPolicies',
    location: 'westeurope',
    kind: 'Basic',
    properties: { virtualMachines: vms, requests: [{ requestor: 'someone@example.com' }], provisioningState: 'Succeeded' },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'jit-azure-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ext = (document: unknown) => ({ path: 'ext.yaml', document });

describe('composeAzurePolicy', () => {
  it('compose_mergesExtensionsIntoTheirVms_andTheParserAcceptsTheDocumentAsAFile', () => {
    const web = vmId('web1');
    const result = composeAzurePolicy(
      SCOPE,
      [
        azurePolicy('rg-jit', [
          { id: web, ports: [ssh] },
          { id: vmId('db1'), ports: [{ ...ssh, number: 5432 }] },
        ]),
      ],
      ext({
        approvers: ['UAPPROVER1'],
        rules: [{ name: 'no-db', match: { vms: ['db1'] }, effect: 'deny' }],
        vms: { [web.toUpperCase()]: { name: 'web', address: '10.0.0.4', backend: 'azure-nsg', tags: { env: 'prod' } } },
      }),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.policy.approvers).toEqual(['UAPPROVER1']);
    expect(result.policy.rules.map((rule) => rule.name)).toEqual(['no-db']);
    expect(result.policy.vms.map((vm) => [vm.id, vm.name, vm.address, vm.backend, vm.tags])).toEqual([
      [web, 'web', '10.0.0.4', 'azure-nsg', { env: 'prod' }],
      [vmId('db1'), 'db1', undefined, undefined, {}],
    ]);
    // Azure's own request history is not policy: left out of the document.
    expect(JSON.stringify(result.document)).not.toContain('requestor');
    // The text is a policy file: read back by the file loader, it is the same policy.
    const reread = parsePolicy(result.text, 'yaml');
    expect(reread.ok && reread.policy).toEqual(result.policy);
  });

  it('compose_withoutExtensions_isAzureAsItIs', () => {
    const result = composeAzurePolicy(SCOPE, [azurePolicy('rg-jit', [{ id: vmId('web1'), ports: [ssh] }])]);
    expect(result.ok && result.policy.vms.map((vm) => vm.name)).toEqual(['web1']);
    expect(result.ok && result.policy.approvers).toEqual([]);
  });

  it('compose_extensionForAVmDefenderDoesNotList_isLeftOutWithAWarning_andTheRestApplies', () => {
    // JIT turned off in Defender takes the VM out of the bot's policy at once; the leftover entry must not keep the old policy running.
    const result = composeAzurePolicy(
      SCOPE,
      [azurePolicy('rg-jit', [{ id: vmId('web1'), ports: [ssh] }])],
      ext({ vms: { [vmId('gone')]: { address: '10.0.0.9' } } }),
    );
    expect(result.ok && result.policy.vms.map((vm) => vm.name)).toEqual(['web1']);
    expect(result.ok && result.warnings).toEqual([
      `ext.yaml: vms["${vmId('gone')}"]: Defender for Cloud has no JIT policy for this VM in azure://subscriptions/${SUB}, so the entry is not used: enable JIT on the VM in Defender for Cloud, or remove the entry`,
    ]);
  });

  it('compose_badAzurePort_namesTheDefenderPolicyAndVm', () => {
    const result = composeAzurePolicy(SCOPE, [azurePolicy('rg-jit', [{ id: vmId('web1'), ports: [{ ...ssh, protocol: 'ICMP' }] }])]);
    expect(!result.ok && result.problems).toEqual([
      { path: `Defender for Cloud policy ${policyId()}, VM ${vmId('web1')} ports[0].protocol`, message: 'expected TCP, UDP or *, got `ICMP`' },
    ]);
  });

  it('compose_badExtensionValue_namesTheExtensionsFileAndKey', () => {
    const web = vmId('web1');
    const result = composeAzurePolicy(
      SCOPE,
      [azurePolicy('rg-jit', [{ id: web, ports: [ssh] }])],
      ext({ approvers: ['alice'], vms: { [web]: { backend: 'Azure NSG' } } }),
    );
    const paths = !result.ok && result.problems.map((problem) => problem.path);
    expect(paths).toEqual(['ext.yaml: approvers[0]', `ext.yaml: vms["${web}"].backend`]);
  });

  it('compose_sameVmInTwoPolicies_isRefusedAsTheParserRefusesItInAFile_locatedInAzureTerms', () => {
    const result = composeAzurePolicy(SCOPE, [
      azurePolicy('rg-a', [{ id: vmId('web1', 'rg-a'), ports: [ssh] }]),
      azurePolicy('rg-b', [{ id: vmId('web1', 'rg-b'), ports: [ssh] }]),
    ]);
    expect(result.ok).toBe(false);
    const [problem] = !result.ok ? result.problems : [];
    expect(problem?.path).toBe(`Defender for Cloud policy ${policyId('rg-b')}, VM ${vmId('web1', 'rg-b')}`);
    expect(problem?.message).toContain(`is already used by Defender for Cloud policy ${policyId('rg-a')}, VM ${vmId('web1', 'rg-a')}`);
    // The same document as a file is refused for the same reason.
    const asFile = join(dir, 'two.json');
    writeFileSync(
      asFile,
      JSON.stringify({
        value: [azurePolicy('rg-a', [{ id: vmId('web1', 'rg-a'), ports: [ssh] }]), azurePolicy('rg-b', [{ id: vmId('web1', 'rg-b'), ports: [ssh] }])],
      }),
    );
    expect(loadPolicyFile(asFile).ok).toBe(false);
  });

  it('compose_extensionsThatTryToHoldVmsOrPorts_areRefusedWithWhereToChangeThem', () => {
    const web = vmId('web1');
    const result = composeAzurePolicy(
      SCOPE,
      [azurePolicy('rg-jit', [{ id: web, ports: [ssh] }])],
      ext({ virtualMachines: [], approverz: [], vms: { [web]: { ports: [ssh], colour: 'red' } } }),
    );
    expect(!result.ok && result.problems.map((problem) => `${problem.path}: ${problem.message}`)).toEqual([
      expect.stringMatching(/^ext\.yaml: virtualMachines: VMs and their ports come from Defender for Cloud/),
      expect.stringMatching(/^ext\.yaml: approverz: unknown key \(did you mean `approvers`\?\)/),
      expect.stringMatching(/^ext\.yaml: vms\[".*web1"\]\.ports: the VM's ports come from Defender for Cloud/),
      expect.stringMatching(/\.colour: unknown key/),
    ]);
  });
});

describe('reading the extensions file', () => {
  it('readExtensions_missingOrBrokenFile_saysWhichFileAndWhy', () => {
    expect(readExtensions(join(dir, 'none.yaml'))).toEqual({
      ok: false,
      problems: [{ path: join(dir, 'none.yaml'), message: expect.stringContaining('cannot read JIT_POLICY_EXTENSIONS: no such file') }],
    });
    writeFileSync(join(dir, 'broken.yaml'), 'approvers: [UA\n');
    const broken = readExtensions(join(dir, 'broken.yaml'));
    expect(!broken.ok && broken.problems[0]?.message).toMatch(/^invalid YAML at line/);
  });

  it('readAzurePolicy_badExtensionsFile_isReportedWithoutCallingAzure', async () => {
    let called = 0;
    const result = await readAzurePolicy(SCOPE, join(dir, 'none.yaml'), async () => {
      called += 1;
      return [];
    });
    expect(result.ok).toBe(false);
    expect(called).toBe(0);
  });
});

describe('parseAzurePolicyUrl', () => {
  it.each([
    [`azure://subscriptions/${SUB}`, { subscriptionId: SUB }],
    [`azure://subscriptions/${SUB}/`, { subscriptionId: SUB }],
    [`azure://Subscriptions/${SUB}/resourceGroups/rg-prod.1`, { subscriptionId: SUB, resourceGroup: 'rg-prod.1' }],
  ])('parse_%s_isAccepted', (url, scope) => {
    expect(parseAzurePolicyUrl(url)).toEqual({ ok: true, scope: { url, ...scope } });
  });

  it.each([
    ['azure:subscriptions/x', /must start with azure:\/\//],
    ['azure://', /must name a subscription/],
    ['azure://subscriptions/prod', /`prod` is not a subscription id \(a GUID/],
    [`azure://subscriptions/${SUB}/resourceGroups`, /only \/resourceGroups\/<resource group> may follow/],
    [`azure://subscriptions/${SUB}/providers/Microsoft.Security`, /only \/resourceGroups\/<resource group> may follow/],
    [`azure://subscriptions/${SUB}/resourceGroups/rg./x`, /only \/resourceGroups/],
    [`azure://subscriptions/${SUB}/resourceGroups/rg.`, /is not a resource group name/],
  ])('parse_%s_isRefusedWithTheShape', (url, why) => {
    const parsed = parseAzurePolicyUrl(url);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toMatch(why);
    expect(!parsed.ok && parsed.error).toContain('write azure://subscriptions/<subscription id>[/resourceGroups/<resource group>]');
  });
});
