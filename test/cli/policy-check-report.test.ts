// What `jit policy check` says about a valid policy beyond "valid": a policy
// without approvers is called out (it denies every request needing approval),
// and its tables fit a terminal of 100 columns however wide the policy.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliWorld, oneErrorLine, ROOT, SLOW, type CliWorld } from './harness.js';

let world: CliWorld;
afterEach(() => world?.cleanup());

describe('jit policy check, warnings', () => {
  it(
    'azureDocumentWithoutApprovers_isValid_butSaysEveryApprovalIsDenied_andWhatToAdd',
    async () => {
      world = cliWorld();
      const file = join(ROOT, 'test/fixtures/policies/azure-get.json');
      const warning = `the policy has no approvers, so every request that needs approval is denied: add \`approvers: [U…]\` at the root of ${file} (or rules that approve)`;
      const run = await world.run(['policy', 'check', file]);
      expect(run.code).toBe(0);
      expect(oneErrorLine(run)).toBe(`jit: warning: ${warning}`);
      expect(run.stdout).toMatch(/is valid: 2 VMs, 0 rules; approvers none;/);
      expect(run.stdout).toContain('No rules: every request is denied, as the policy names no approvers.');
      expect(run.stdout).not.toContain('approval from the approvers');

      const json = await world.run(['policy', 'check', file, '--json']);
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, approvers: [], warnings: [warning] });
    },
    SLOW,
  );

  it(
    'requireApprovalRuleWithoutApprovers_inAPolicyWithoutApprovers_saysDenied',
    async () => {
      world = cliWorld();
      const file = join(world.dir, 'no-approvers.yaml');
      writeFileSync(
        file,
        [
          'virtualMachines:',
          '  - { id: web-1, ports: [{ number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H }] }',
          'rules:',
          '  - { name: short-ssh, match: { maxDuration: PT30M }, effect: approve }',
          '  - { name: long-ssh, match: { ports: [22] }, effect: require_approval }',
          '',
        ].join('\n'),
      );
      const run = await world.run(['policy', 'check', file]);
      expect(run.code).toBe(0);
      expect(oneErrorLine(run)).toMatch(/^jit: warning: the policy has no approvers, so every request that needs approval is denied: add/);
      expect(run.stdout).toContain('Rules, first match decides (none matching: denied, as the policy names no approvers):');
      expect(run.stdout).toMatch(/^long-ssh +require_approval +ports within 22 +denied: no approvers$/m);
    },
    SLOW,
  );
});

describe('jit policy check, width', () => {
  it(
    'aWidePolicy_printsTablesNoWiderThan100Columns_keepingEveryWord',
    async () => {
      world = cliWorld();
      const name = `build-agent-${'x'.repeat(36)}-westeurope-01`;
      const prefixes = Array.from({ length: 8 }, (_, i) => `"198.51.${100 + i}.0/24"`).join(', ');
      const ports = [22, 80, 443, 3389, 5985, 5986, 8080, 8443, 9090, 10250]
        .map((n) => `      - { number: ${n}, protocol: TCP, allowedSourceAddressPrefixes: [${prefixes}], maxRequestAccessDuration: PT3H }`)
        .join('\n');
      const reason = 'short sessions on the build agents open at once so that a broken pipeline can be looked at without waiting for anyone';
      const file = join(world.dir, 'wide.yaml');
      writeFileSync(
        file,
        `approvers: [UAPPROVER1]\nvirtualMachines:\n  - id: ${name}\n    address: build-agent.internal.example.com\n    ports:\n${ports}\n` +
          `rules:\n  - name: build-agents-quick\n    match: { vms: ["build-agent-*"], ports: [22, 80, 443, 3389, 5985, 5986, 8080, 8443, 9090, 10250], maxDuration: PT30M, sources: [${prefixes}] }\n` +
          `    effect: approve\n    reason: ${reason}\n`,
      );
      const run = await world.run(['policy', 'check', file]);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      const [, ...tables] = run.stdout.trimEnd().split('\n');
      const tooWide = tables.filter((line) => line.length > 100);
      expect(tooWide, run.stdout).toEqual([]);
      const words = run.stdout.split(/\s+/);
      for (const word of reason.split(' ')) expect(words).toContain(word);
      expect(words).toContain('198.51.107.0/24');
      expect(run.stdout).toMatch(/^build-agent-x+ /m);
    },
    SLOW,
  );
});
