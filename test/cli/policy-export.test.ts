// `npm run policy:export` as a child process: JIT_POLICY with the Slack overlay
// of JIT_DB, printed (or written with --out) in the file's own form; a bad
// file or bad arguments exit 2 with one line.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/domain/policy/parse.js';
import type { SystemEvent } from '../../src/domain/types.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';

const ROOT = resolve(import.meta.dirname, '../..');
const POLICY =
  '# reviewed in git\napprovers: [UAPPROVER1]\nvirtualMachines:\n  - {id: web-1, address: 10.0.0.4, ports: [{number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H}]}\n';
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jit-export-'));
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[] = [], policy = join(dir, 'policy.yaml')) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/policy-export.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, JIT_POLICY: policy, JIT_DB: join(dir, 'jit.db') },
    encoding: 'utf8',
  });
}

async function enable(name: string): Promise<void> {
  const store = SqliteStore.open(join(dir, 'jit.db'));
  const event: SystemEvent = { name: 'policy.vm_enabled', actor: 'UADMIN', at: 0, detail: `enabled JIT on ${name}` };
  await store.saveOverlayVm(
    {
      name,
      vm: { id: name, ports: [{ number: 3389, protocol: 'TCP', allowedSourceAddressPrefix: '*', maxRequestAccessDuration: 'PT3H' }] },
      updatedBy: 'UADMIN',
      updatedAt: 0,
    },
    event,
    [],
  );
  store.close();
}

describe('policy-export', () => {
  it('printsTheFileWithTheOverlayVm_keepingItsComments', async () => {
    await enable('web-3');
    const result = run();
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('# reviewed in git');
    const parsed = parsePolicy(result.stdout, 'yaml');
    expect(parsed.ok && parsed.policy.vms.map((vm) => vm.name)).toEqual(['web-1', 'web-3']);
  });

  it('withoutADatabase_printsTheFileAsItIs', () => {
    const result = run();
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(POLICY);
  });

  it('out_writesTheFile_andAJsonPolicyStaysJson', async () => {
    const json = join(dir, 'policy.json');
    writeFileSync(
      json,
      JSON.stringify({
        virtualMachines: [{ id: 'web-1', ports: [{ number: 22, protocol: 'TCP', allowedSourceAddressPrefix: '*', maxRequestAccessDuration: 'PT3H' }] }],
      }),
    );
    await enable('web-3');
    const result = run(['--out', join(dir, 'merged.json')], json);
    expect(result.status).toBe(0);
    const written = JSON.parse(readFileSync(join(dir, 'merged.json'), 'utf8')) as { virtualMachines: { id: string }[] };
    expect(written.virtualMachines.map((vm) => vm.id)).toEqual(['web-1', 'web-3']);
  });

  it('badFileOrArguments_exit2_withOneLine', () => {
    writeFileSync(join(dir, 'policy.yaml'), 'virtualMachines: 3\n');
    const bad = run();
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^jit: cannot export the policy: JIT_POLICY \(.*\) is invalid:\nvirtualMachines: /);
    expect(run(['--out']).status).toBe(2);
    expect(run(['--frobnicate']).stderr).toMatch(/^usage: policy-export \[--out <file>\]/);
  });
});
