// `/jit vms` through the real Bolt app: the inventory as ephemeral text,
// bounded for 500 VMs, narrowed by a glob, and a failing backend named.

import { afterEach, describe, expect, it } from 'vitest';
import { requestIdIn, startE2E, stopChecked, type E2E } from './harness.js';
import { policyWithVms } from './home-support.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
});

describe('/jit vms', () => {
  it('vms_listsConfiguredNotConfiguredAndUnsupported', async () => {
    e2e = await startE2E();
    e2e.backend.seen = [
      { id: 'spare-1', name: 'spare-1', support: 'supported' },
      { id: 'old-1', name: 'old-1', support: 'unsupported', reason: 'it has no network interface' },
    ];
    const id = requestIdIn(await e2e.command('UREQ', 'request db-1 5432 198.51.100.7 1h'));
    await e2e.bot.workflow.approve(id, 'UAPPROVER1');

    const reply = await e2e.command('UANYONE', 'vms');

    expect(reply).toContain('*VMs*: 2 configured · 1 not configured · 1 unsupported');
    expect(reply).toMatch(/• \*web-1\* · 22\/TCP \(max 3h\), 3389\/TCP \(max 1h\) · `memory` · 0 approved in 7 days · no access yet/);
    expect(reply).toMatch(/• \*db-1\* · 5432\/TCP \(max 2h\) · `memory` · 1 approved in 7 days · last access <!date\^\d+.*> by <@UREQ> · 1 open/);
    expect(reply).toContain('*Not configured (1)*\n• *spare-1* (`memory`)');
    expect(reply).toContain('*Unsupported (1)*\n• *old-1* (`memory`): it has no network interface');
  });

  it('vms_withAGlob_listsOnlyMatchingVms', async () => {
    e2e = await startE2E();
    const reply = await e2e.command('UANYONE', 'vms WEB*');
    expect(reply).toContain('*VMs matching `WEB*`*: 1 configured · 0 not configured · 0 unsupported');
    expect(reply).toContain('*web-1*');
    expect(reply).not.toContain('*db-1*');
  });

  it('vms_with500Vms_fitsOneReply_andSaysHowToNarrowIt', async () => {
    e2e = await startE2E({ policy: policyWithVms(500) });
    e2e.backend.seen = Array.from({ length: 500 }, (_, i) => ({ id: `spare-${i}`, name: `spare-${i}`, support: 'supported' as const }));
    const reply = await e2e.command('UANYONE', 'vms');
    expect(reply).toContain('*VMs*: 500 configured · 500 not configured · 0 unsupported');
    expect(reply).toMatch(/…and \d+ more: narrow the list with `\/jit vms <name or glob>`/);
    expect(reply.length).toBeLessThan(40_000);
  });

  it('vms_whenTheBackendCannotList_namesIt_andStillListsThePolicy', async () => {
    e2e = await startE2E();
    e2e.backend.failNext('inventory', 'connection refused');
    const reply = await e2e.command('UANYONE', 'vms');
    expect(reply).toContain(':warning: Could not list the VMs of backend `memory`: connection refused');
    expect(reply).toContain('*Configured (2)*');
  });

  it('vms_inHelp', async () => {
    e2e = await startE2E();
    expect(await e2e.command('UANYONE', 'help')).toContain('`/jit vms [name or glob]`');
  });
});
