// `jit policy check <file>` as a subprocess: the bot's loader on a file, a
// summary when it is valid, every problem with its path when it is not.

import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/domain/policy/parse.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { cliWorld, oneErrorLine, ROOT, SLOW, type CliWorld } from './harness.js';

let world: CliWorld;
afterEach(() => world?.cleanup());

describe('jit policy check', () => {
  it(
    'validNativePolicy_summarisesVmsRulesApproversAndReaders',
    async () => {
      world = cliWorld();
      const run = await world.run(['policy', 'check', world.policy]);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      const lines = run.stdout.split('\n');
      expect(lines[0]).toBe(`${world.policy} is valid: 2 VMs, 1 rule; approvers UAPPROVER1; audit readers UREADER`);
      expect(run.stdout).toMatch(/^web-1 +10\.0\.0\.4 +\(JIT_BACKEND\) +22\/TCP +any +3h +1s$/m);
      expect(run.stdout).toMatch(/^db-1 +10\.0\.0\.5 +\(JIT_BACKEND\) +5432\/TCP +any +2h +1s$/m);
      expect(run.stdout).toMatch(/^no-db-from-cli-tests +deny +VM db-1 +reason: Databases are off limits here\.$/m);

      const json = JSON.parse((await world.run(['policy', 'check', world.policy, '--json'])).stdout);
      expect(json).toMatchObject({
        ok: true,
        approvers: ['UAPPROVER1'],
        readers: ['UREADER'],
        rules: [{ name: 'no-db-from-cli-tests', effect: 'deny', when: ['VM db-1'] }],
      });
      expect(json.vms[0]).toEqual({
        name: 'web-1',
        id: 'web-1',
        address: '10.0.0.4',
        backend: null,
        tags: {},
        ports: [{ number: 22, protocol: 'TCP', sources: ['*'], maxRequestAccessDuration: 'PT3H', minRequestAccessDuration: 'PT1S' }],
      });
    },
    SLOW,
  );

  it(
    'azureDocumentWithExtensions_isCheckedWithTheSameLoader',
    async () => {
      world = cliWorld();
      const file = join(ROOT, 'test/fixtures/policies/azure-with-extensions.json');
      const run = await world.run(['policy', 'check', file]);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toMatch(/is valid: 1 VM, 1 rule; approvers U0ADMIN1; audit readers none/);
      expect(run.stdout).toMatch(/^jumpbox +azure-nsg +22\/TCP +any +3h/m);
      expect(run.stdout).toMatch(/^ssh-short +approve +ports within 22; at most 1h/m);
    },
    SLOW,
  );

  it(
    'invalidPolicy_listsEveryProblemWithItsPath_andExitsOne',
    async () => {
      world = cliWorld();
      const file = join(world.dir, 'bad.yaml');
      writeFileSync(
        file,
        'readers: [carol]\nvirtualMachines:\n  - id: a\n    ports: [{number: 99999, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: 3h}]\n',
      );
      const run = await world.run(['policy', 'check', file]);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe(
        [
          `${file} has 3 problems:`,
          "readers[0]: expected a Slack user ID (U… or W…) or user-group ID (S…), got `carol`: use the member ID from the person's profile, not their name",
          'virtualMachines[0].ports[0].maxRequestAccessDuration: expected an ISO 8601 duration such as PT3H: write PT3H instead of `3h`',
          'virtualMachines[0].ports[0].number: expected a port number from 1 to 65535, got 99999',
          '',
        ].join('\n'),
      );
      expect(oneErrorLine(run)).toBe(`jit: ${file} is invalid: fix the 3 problems listed, then check again`);
      const json = JSON.parse((await world.run(['policy', 'check', file, '--json'])).stdout);
      expect(json.ok).toBe(false);
      expect(json.problems.map((p: { path: string }) => p.path)).toEqual([
        'readers[0]',
        'virtualMachines[0].ports[0].maxRequestAccessDuration',
        'virtualMachines[0].ports[0].number',
      ]);
    },
    SLOW,
  );

  it(
    'missingFileOrArgument_exitsTwo',
    async () => {
      world = cliWorld();
      const missing = await world.run(['policy', 'check', 'nowhere.yaml']);
      expect([missing.code, oneErrorLine(missing)]).toEqual([2, 'jit: cannot read nowhere.yaml: no such file']);
      const none = await world.run(['policy', 'check']);
      expect([none.code, oneErrorLine(none)]).toEqual([2, 'jit: this command takes one argument, got 0; usage: jit policy check <file>']);
    },
    SLOW,
  );
});

describe('jit policy export', () => {
  it(
    'printsThePolicyTheBotRuns_fileAndSlackOverlay_orWritesIt',
    async () => {
      world = cliWorld();
      const store = SqliteStore.open(world.db);
      const event = { name: 'policy.vm_enabled' as const, actor: 'UADMIN', at: 0, detail: 'enabled JIT on web-9' };
      await store.saveOverlayVm(
        {
          name: 'web-9',
          vm: { id: 'web-9', address: '10.0.0.9', ports: [{ number: 22, protocol: 'TCP', allowedSourceAddressPrefix: '*', maxRequestAccessDuration: 'PT3H' }] },
          updatedBy: 'UADMIN',
          updatedAt: 0,
        },
        event,
        [],
      );
      store.close();

      const run = await world.run(['policy', 'export']);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      const parsed = parsePolicy(run.stdout, 'yaml');
      expect(parsed.ok && parsed.policy.vms.map((vm) => vm.name)).toEqual(['web-1', 'db-1', 'web-9']);

      const out = join(world.dir, 'merged.yaml');
      const written = await world.run(['policy', 'export', '--out', out, '--json']);
      expect(written).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(written.stdout)).toEqual({ ok: true, out, leftOut: [] });
      const again = await world.run(['policy', 'check', out]);
      expect(again.stdout).toMatch(/is valid: 3 VMs/);
    },
    SLOW,
  );

  it(
    'extraArguments_areAUsageError',
    async () => {
      world = cliWorld();
      const run = await world.run(['policy', 'export', 'policy.yaml']);
      expect(run.code).toBe(2);
      expect(oneErrorLine(run)).toMatch(/jit policy export \[--out <file>\]/);
    },
    SLOW,
  );
});
