// A backend that puts a grant behind another address (an Azure Firewall's
// DNAT) says where to connect when it opens; the grant keeps that through its
// life, and the requester's DM carries it.

import { afterEach, describe, expect, it } from 'vitest';
import type { FirewallBackend, GrantSpec } from '../../src/ports/firewall.js';
import { createHarness, policyOf, port, vm, type Harness } from '../support/workflow-harness.js';

let h: Harness;
afterEach(() => h?.cleanup());

/** The memory firewall, answering like a DNAT backend: public 20.1.2.3, port 50000 + the VM port. */
function translating(harness: Harness): void {
  const backend: FirewallBackend = harness.backend;
  const open = backend.open.bind(backend);
  backend.open = async (grant: GrantSpec) => {
    await open(grant);
    return { endpoints: grant.ports.map((p) => ({ port: p.number, protocol: p.protocol, host: '20.1.2.3', hostPort: 50_000 + p.number })) };
  };
}

async function approved(harness: Harness, ports = '22') {
  const result = await harness.workflow.request(harness.input({ ports }));
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return harness.workflow.approve(result.request.id, 'UAPPROVER1');
}

describe('endpoints', () => {
  it('open_backendReportsEndpoints_theGrantKeepsThemAndTheDmCarriesThem', async () => {
    h = createHarness({ policy: policyOf({ vms: [vm('web-1', { ports: [port(22), port(3389)] })] }) });
    translating(h);
    await approved(h, '22,3389');
    const [active] = await h.store.listRequests({ states: ['active'] });
    expect(active?.kind === 'grant' && active.endpoints).toEqual([
      { port: 22, protocol: 'TCP', host: '20.1.2.3', hostPort: 50022 },
      { port: 3389, protocol: 'TCP', host: '20.1.2.3', hostPort: 53389 },
    ]);
    // The chained audit log says through which public address and ports the VM could be reached.
    const opened = (await h.store.auditEvents(active!.id)).find((e) => e.name === 'grant.opened');
    expect(opened?.detail).toBe('through 20.1.2.3:50022 → 22/TCP, 20.1.2.3:53389 → 3389/TCP');
    const dm = (await h.notifications()).find((n) => n.kind === 'requester_dm' && n.event === 'grant.opened');
    expect(dm?.kind === 'requester_dm' && dm.request.kind === 'grant' && dm.request.endpoints?.map((e) => e.hostPort)).toEqual([50022, 53389]);
  });

  it('extend_keepsTheEndpoints', async () => {
    // A rule approves the extension at once.
    h = createHarness({ policy: policyOf({ rules: [{ name: 'auto', match: { vms: ['web-*'] }, effect: 'approve', reason: 'web is open' }] }) });
    translating(h);
    const result = await h.workflow.request(h.input());
    const [active] = await h.store.listRequests({ states: ['active'] });
    if (!result.ok || !active) throw new Error('not open');
    await h.workflow.extend(active.id, 'UREQ', { duration: '30m' });
    const extended = await h.store.getRequest(active.id);
    expect(extended?.endAt).toBeGreaterThan(active.endAt ?? 0);
    expect(extended?.kind === 'grant' && extended.endpoints?.[0]?.hostPort).toBe(50022);
  });

  it('open_backendOnTheVmItself_storesNoEndpoints', async () => {
    h = createHarness();
    await approved(h);
    const [active] = await h.store.listRequests({ states: ['active'] });
    expect(active?.state).toBe('active');
    expect(active && 'endpoints' in active).toBe(false);
    expect((await h.store.auditEvents(active!.id)).find((e) => e.name === 'grant.opened')?.detail).toBeUndefined();
  });
});
