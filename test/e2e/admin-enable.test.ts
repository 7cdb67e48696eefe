// `/jit enable` through the real Bolt app over signed HTTP: an admin puts a VM
// a backend sees under JIT with Azure's defaults; it is protected and
// requestable at once, audited, kept across a restart and a reload, and
// exported back into a policy file. Everyone else is refused.

import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { exportPolicy } from '../../src/cli/policy-export.js';
import { parsePolicy } from '../../src/domain/policy/parse.js';
import { readOverlayFile } from '../../src/store/overlay-statements.js';
import { ADMIN, auditLines, protectedPorts } from './admin-support.js';
import { requestIdIn, startE2E, stopChecked, type E2E } from './harness.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
});

const SPARE_ID = '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/spare-1';

async function withSpare(os?: 'linux' | 'windows'): Promise<E2E> {
  const started = await startE2E({ env: { JIT_ADMINS: ADMIN } });
  started.backend.seen = [{ id: SPARE_ID, name: 'spare-1', support: 'supported', ...(os ? { os } : {}) }];
  return started;
}

describe('/jit enable', () => {
  it('enable_aSeenWindowsVm_protectsItAtOnce_makesItRequestable_isAudited_andSurvivesARestart', async () => {
    e2e = await withSpare('windows');

    const reply = await e2e.command(ADMIN, 'enable spare-1');

    expect(reply).toMatch(
      /^JIT is on for \*spare-1\* \(Windows defaults: the backend reports a Windows VM\): 3389\/TCP from any source, up to 3h; 5985\/TCP from any source, up to 3h; 5986\/TCP from any source, up to 3h; backend `memory`/,
    );
    expect(protectedPorts(e2e)).toEqual(expect.arrayContaining(['spare-1:3389/TCP', 'spare-1:5985/TCP', 'spare-1:5986/TCP']));
    const id = requestIdIn(await e2e.command('UREQ', 'request spare-1 3389 198.51.100.7 1h patching'));
    await e2e.bot.workflow.approve(id, 'UAPPROVER1');
    expect(e2e.backend.isOpen(id)).toBe(true);
    const audit = await auditLines(e2e);
    expect(audit).toContainEqual(
      expect.stringMatching(
        /^:gear: <@UADMIN> enabled JIT on spare-1: 3389\/TCP from any source, up to 3h; 5985\/TCP from any source, up to 3h; 5986\/TCP from any source, up to 3h · <!date\^/,
      ),
    );
    expect(audit.filter((line) => line.includes('spare-1') && line.includes('<!here>'))).toEqual([]);

    // A restart on the same files: the firewall is told again, from the overlay in the database.
    e2e.backend.protectedPorts = [];
    e2e = await e2e.restart();
    expect(protectedPorts(e2e)).toEqual(expect.arrayContaining(['spare-1:3389/TCP', 'spare-1:5985/TCP', 'spare-1:5986/TCP']));
    expect(await e2e.command('UREQ', 'request spare-1 5985 198.51.100.7 1h')).toMatch(/waiting for one approval/);
    expect(await e2e.command(ADMIN, 'enable spare-1')).toBe('spare-1 is already enabled: use `/jit edit spare-1` to change its ports.');
  });

  it('enable_withoutAnOsTheBackendKnows_usesLinux_andSaysSo_andAnExplicitOsWins', async () => {
    e2e = await withSpare();
    expect(await e2e.command(ADMIN, 'enable spare-1')).toMatch(
      /^JIT is on for \*spare-1\* \(Linux defaults: the backend does not say which OS it runs; add `windows` for RDP and WinRM\): 22\/TCP from any source, up to 3h;/,
    );
    e2e.backend.seen.push({ id: 'win-2', name: 'win-2', support: 'supported', os: 'linux' });
    expect(await e2e.command(ADMIN, 'enable WIN-2 Windows')).toMatch(/^JIT is on for \*win-2\* \(Windows defaults, as asked\): 3389\/TCP/);
  });

  it('enable_byANonAdmin_isRefused_namingHowOneBecomesAdmin_andChangesNothing', async () => {
    e2e = await withSpare();
    const reply = await e2e.command('UPLAIN', 'enable spare-1');
    expect(reply).toContain('Only admins can enable JIT on a VM or change its ports. Admins are named by member ID in JIT_ADMINS, or in the policy’s `admins`');
    expect(protectedPorts(e2e).some((p) => p.startsWith('spare-1'))).toBe(false);
    expect(await e2e.command('UREQ', 'request spare-1 22 198.51.100.7 1h')).toMatch(/There is no VM called "spare-1"/);
    expect(readOverlayFile(join(e2e.dir, 'data', 'jit.db'))).toEqual([]);
  });

  it('enable_byAPolicyAdminThroughAUserGroup_works', async () => {
    const policy = `admins: [S0ADMINS]\napprovers: [UAPPROVER1]\nvirtualMachines: []\n`;
    e2e = await startE2E({ policy, groups: { S0ADMINS: ['UGROUPADMIN'] } });
    e2e.backend.seen = [{ id: 'spare-1', name: 'spare-1', support: 'supported' }];
    expect(await e2e.command('UGROUPADMIN', 'enable spare-1')).toMatch(/^JIT is on for \*spare-1\*/);
  });

  it('enable_aVmNoBackendLists_isRefused_unlessGivenAnAddress_thenTheDefaultBackendGuardsIt', async () => {
    e2e = await withSpare();
    e2e.backend.seen.push({ id: 'old-1', name: 'old-1', support: 'unsupported', reason: 'it has no network interface' });

    expect(await e2e.command(ADMIN, 'enable build-2')).toMatch(
      /^No firewall backend lists a VM called build-2 .*give its address: `\/jit enable build-2 linux 10\.0\.0\.7`/,
    );
    expect(await e2e.command(ADMIN, 'enable old-1')).toBe('Backend `memory` sees old-1 but cannot guard it: it has no network interface.');
    expect(await e2e.command(ADMIN, 'enable build-2 10.0.0.7')).toMatch(/^JIT is on for \*build-2\* \(Linux defaults: the backend does not say/);
    expect(e2e.backend.protectedPorts.find((p) => p.vmName === 'build-2')).toMatchObject({ address: '10.0.0.7', port: 22 });
    // The address goes through the policy's own validation.
    expect(await e2e.command(ADMIN, 'enable build-3 10.0.0.300')).toMatch(/^address: expected an IP address or DNS host name/);
  });

  it('enable_withAWrongShape_explainsTheUsage', async () => {
    e2e = await withSpare();
    expect(await e2e.command(ADMIN, 'enable')).toMatch(/^Usage: `\/jit enable &lt;vm&gt; \[linux\|windows\] \[address\]`/);
    expect(await e2e.command(ADMIN, 'enable spare-1 linux windows')).toMatch(/^Usage: `\/jit enable/);
  });

  it('reload_keepsTheOverlay_andOnceTheFileSaysTheSame_retiresIt_soTheFileRulesAgain', async () => {
    e2e = await withSpare();
    await e2e.command(ADMIN, 'enable spare-1');
    expect(await e2e.bot.reloadPolicy()).toBe(true);
    expect(protectedPorts(e2e)).toContain('spare-1:22/TCP');

    // The team commits the export: the file now says what the overlay says.
    const policyFile = join(e2e.dir, 'policy.yaml');
    const dbFile = join(e2e.dir, 'data', 'jit.db');
    writeFileSync(policyFile, await exportPolicy({ policyPath: policyFile, dbPath: dbFile }));
    expect(await e2e.bot.reloadPolicy()).toBe(true);
    expect(e2e.logs.join('\n')).toContain('the policy file now says the same as the Slack edit of spare-1; that overlay entry is retired');
    expect(readOverlayFile(dbFile)).toEqual([]);
    expect(protectedPorts(e2e)).toContain('spare-1:22/TCP');

    // …so taking the VM out of the file takes it out of JIT.
    writeFileSync(
      policyFile,
      `approvers: [UAPPROVER1, UAPPROVER2]\nvirtualMachines:\n  - {id: web-1, address: 10.0.0.4, ports: [{number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H}]}\n`,
    );
    expect(await e2e.bot.reloadPolicy()).toBe(true);
    expect(protectedPorts(e2e)).toEqual(['web-1:22/TCP']);
  });

  it('export_whileTheBotRuns_printsTheFilesFormWithTheOverlayVm_thatThePolicyParserAccepts', async () => {
    e2e = await withSpare('windows');
    await e2e.command(ADMIN, 'enable spare-1');
    const text = await exportPolicy({ policyPath: join(e2e.dir, 'policy.yaml'), dbPath: join(e2e.dir, 'data', 'jit.db') });

    const parsed = parsePolicy(text, 'yaml');
    expect(parsed.ok).toBe(true);
    expect(parsed.ok && parsed.policy.vms.map((vm) => `${vm.name}:${vm.ports.map((p) => p.number).join(',')}`)).toEqual([
      'web-1:22,3389',
      'db-1:5432',
      'spare-1:3389,5985,5986',
    ]);
    expect(text).toContain(`id: ${SPARE_ID}`);
  });
});
