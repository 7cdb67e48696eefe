// `jit policy import azure://…` and the other `jit` readers of JIT_POLICY with
// an azure:// policy, run in-process (runJit) against the fake ARM's Security
// API over HTTPS: the imported file is one the bot's loader accepts unchanged.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runJit } from '../../src/cli/run.js';
import { cliOpeners } from '../../src/compose/cli.js';
import { loadPolicyFile } from '../../src/config/policy-file.js';
import { FAKE_SUBSCRIPTION, FakeArm } from '../support/fake-arm.js';
import { FakeArmSecurity, jitVm, ssh } from '../support/fake-arm-security.js';

let fake: FakeArm;
let security: FakeArmSecurity;
let dir: string;
let webId: string;
const URL_ = `azure://subscriptions/${FAKE_SUBSCRIPTION}`;

beforeEach(async () => {
  fake = await FakeArm.start();
  security = FakeArmSecurity.on(fake);
  dir = mkdtempSync(join(tmpdir(), 'jit-policy-import-'));
  webId = fake.world.addVm({ name: 'web1', privateIp: '10.0.0.4' }).vmId;
  security.seed({
    virtualMachines: [jitVm(webId, [ssh(), ssh({ number: 3389, allowedSourceAddressPrefix: undefined, allowedSourceAddressPrefixes: ['203.0.113.0/24'] })])],
  });
  writeFileSync(join(dir, 'ext.yaml'), `approvers: [UAPPROVER1]\nvms:\n  ${JSON.stringify(webId)}: { name: web, address: 10.0.0.4, backend: azure-nsg }\n`);
});
afterEach(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

async function jit(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const openers = cliOpeners({
    arm: { credential: fake.credential, endpoint: fake.endpoint, tlsOptions: { ca: fake.certificate }, retryOptions: { maxRetries: 0 } },
  });
  const code = await runJit(
    args,
    {
      env: { JIT_POLICY_EXTENSIONS: join(dir, 'ext.yaml'), JIT_DB: join(dir, 'none.db'), ...env },
      stdout: (text) => void (stdout += text),
      stderr: (text) => void (stderr += text),
    },
    openers,
  );
  return { code, stdout, stderr };
}

describe('jit policy import', () => {
  it('import_toStdout_isYamlThePolicyLoaderAcceptsAsJitPolicy', async () => {
    const run = await jit(['policy', 'import', URL_]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    writeFileSync(join(dir, 'policy.yaml'), run.stdout);
    const loaded = loadPolicyFile(join(dir, 'policy.yaml'));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    expect(loaded.policy.approvers).toEqual(['UAPPROVER1']);
    expect(loaded.policy.vms.map((vm) => [vm.id, vm.name, vm.address, vm.backend, vm.ports.map((p) => p.number)])).toEqual([
      [webId, 'web', '10.0.0.4', 'azure-nsg', [22, 3389]],
    ]);
  });

  it('import_outJson_writesJson_outYaml_writesYaml_bothTheSamePolicy', async () => {
    expect(await jit(['policy', 'import', URL_, '--out', join(dir, 'p.json')])).toMatchObject({
      code: 0,
      stdout: `wrote ${join(dir, 'p.json')}: 1 VM from ${URL_}\n`,
    });
    expect(() => JSON.parse(readFileSync(join(dir, 'p.json'), 'utf8'))).not.toThrow();
    expect((await jit(['policy', 'import', URL_, '--out', join(dir, 'p.yaml')])).code).toBe(0);
    const [json, yaml] = [loadPolicyFile(join(dir, 'p.json')), loadPolicyFile(join(dir, 'p.yaml'))];
    expect(json.ok && yaml.ok).toBe(true);
    expect(json.ok && json.policy).toEqual(yaml.ok && yaml.policy);
  });

  it('import_notAnAzureUrl_isAUsageError', async () => {
    const run = await jit(['policy', 'import', './policy.yaml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^jit: \.\/policy\.yaml is not Defender for Cloud: jit policy import reads an azure:\/\/ URL/);
  });

  it('import_forbidden_exit2_sayingWhatToGrant', async () => {
    fake.failNext({ status: 403, code: 'AuthorizationFailed', path: /jitNetworkAccessPolicies$/ });
    const run = await jit(['policy', 'import', URL_]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/grant it Microsoft\.Security\/locations\/jitNetworkAccessPolicies\/read there/);
  });

  it('import_extensionForAVmDefenderLacks_writesThePolicyWithoutIt_andWarnsOnStderr', async () => {
    writeFileSync(
      join(dir, 'ext.yaml'),
      `vms:\n  /subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/rg-jit/providers/Microsoft.Compute/virtualMachines/gone: { address: 10.0.0.9 }\n`,
    );
    const run = await jit(['policy', 'import', URL_, '--out', join(dir, 'out.yaml')]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: .*ext\.yaml: vms\[".*\/gone"\]: Defender for Cloud has no JIT policy for this VM in .*, so the entry is not used/);
    expect(readFileSync(join(dir, 'out.yaml'), 'utf8')).not.toContain('10.0.0.9');
  });

  it('import_badExtensionsFile_exit1_listingTheProblem_writingNothing', async () => {
    writeFileSync(join(dir, 'ext.yaml'), 'approvers: [not-a-slack-id]\n');
    const run = await jit(['policy', 'import', URL_, '--out', join(dir, 'never.yaml')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('approvers');
    expect(() => readFileSync(join(dir, 'never.yaml'))).toThrow();
  });
});

describe('other readers of an azure:// JIT_POLICY', () => {
  it('policyCheck_ofAnAzureUrl_summarisesItAsTheBotReadsIt', async () => {
    const run = await jit(['policy', 'check', URL_]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/is valid: 1 VM, 0 rules; approvers UAPPROVER1/);
  });

  it('policyExport_withAzureJitPolicy_writesTheComposedPolicy', async () => {
    const run = await jit(['policy', 'export'], { JIT_POLICY: URL_ });
    expect(run.code).toBe(0);
    writeFileSync(join(dir, 'exported.yaml'), run.stdout);
    const loaded = loadPolicyFile(join(dir, 'exported.yaml'));
    expect(loaded.ok && loaded.policy.vms.map((vm) => vm.name)).toEqual(['web']);
  });

  it('list_withAMalformedAzureUrl_exit2_withTheShape', async () => {
    const run = await jit(['list'], { JIT_POLICY: 'azure://subscriptions/prod' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/JIT_POLICY azure:\/\/subscriptions\/prod is not a Defender for Cloud policy URL/);
  });
});
