// Reconciliation at the end of every sweep: the firewall as it really is, against
// the store. Drift is created behind the bot's back by calling the memory
// backend directly, as a person with firewall access would.

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AccessRequest } from '../../src/domain/types.js';
import type { FirewallBackend, GrantSpec, OpenRule } from '../../src/ports/firewall.js';
import type { MemoryBackend } from '../../src/ports/memory-firewall.js';
import { BackendRegistry } from '../../src/workflow/backends.js';
import { grantSpec } from '../../src/workflow/grant.js';
import { DriftMemory, reconcile, VANISH_GRACE_MS } from '../../src/workflow/reconcile.js';
import { createHarness, policyOf, port, vm, type Harness } from '../support/workflow-harness.js';

let h: Harness;
afterEach(() => h.cleanup());

const AUTO = { name: 'auto', match: { vms: ['web-*'] }, effect: 'approve' as const };

function harness(): Harness {
  h = createHarness({ policy: policyOf({ vms: [vm('web-1', { ports: [port(22), port(443)] })], rules: [AUTO] }) });
  return h;
}

async function activeGrant(ports = '22'): Promise<AccessRequest> {
  const result = await h.workflow.request(h.input({ ports }));
  if (!result.ok || result.request.state !== 'active') throw new Error(`expected an active grant, got ${JSON.stringify(result)}`);
  return result.request;
}

function strayRule(requestId: string, overrides: Partial<GrantSpec> = {}): GrantSpec {
  return {
    requestId,
    vmId: 'web-1',
    vmName: 'web-1',
    address: '10.0.0.4',
    ports: [{ number: 22, protocol: 'TCP' }],
    source: '198.51.100.9/32',
    endAt: h.clock.now() + 3_600_000,
    ...overrides,
  };
}

const driftNotes = async () => (await h.notifications()).filter((note) => note.kind === 'system');
const eventNames = async (id: string) => (await h.store.auditEvents(id)).map((event) => event.name);

describe('orphan allow rules', () => {
  it('ruleOfAnUnknownRequest_isClosedAndReportedAsDrift', async () => {
    harness();
    await h.backend.open(strayRule('zzz234'));

    const report = await h.workflow.sweep();

    expect(report).toMatchObject({ orphansClosed: 1, vanished: 0, unresolved: 0, unlisted: 0 });
    expect(h.backend.isOpen('zzz234')).toBe(false);
    expect(await h.store.systemEvents()).toEqual([
      expect.objectContaining({
        name: 'drift.orphan_closed',
        detail: 'backend memory allows 22/TCP on web-1 from 198.51.100.9/32, but no request zzz234 is stored: closed',
      }),
    ]);
    expect(await driftNotes()).toHaveLength(1);
  });

  it('ruleOfAClosedRequest_putBackByHand_isClosedAndNamesTheRequest', async () => {
    harness();
    const grant = await activeGrant();
    await h.workflow.revoke(grant.id, 'UREQ');
    await h.backend.open(grantSpec(grant, grant.endAt!));

    await h.workflow.sweep();

    expect(h.backend.isOpen(grant.id)).toBe(false);
    expect((await h.store.systemEvents()).map((event) => event.detail)).toEqual([expect.stringContaining(`but request ${grant.id} is closed: closed`)]);
  });

  it('rulesOfActiveGrants_areLeftAlone_andNothingIsReported', async () => {
    harness();
    const grant = await activeGrant('22,443');

    expect(await h.workflow.sweep()).toMatchObject({ orphansClosed: 0, vanished: 0, unresolved: 0 });
    expect(h.backend.isOpen(grant.id)).toBe(true);
    expect(await h.store.systemEvents()).toEqual([]);
    expect((await h.store.getRequest(grant.id))?.state).toBe('active');
  });

  it('ruleWithoutARequestId_cannotBeClosedById_andIsReportedOncePerProcess', async () => {
    harness();
    await h.backend.open(strayRule(''));

    expect(await h.workflow.sweep()).toMatchObject({ unresolved: 1 });
    expect(await h.workflow.sweep()).toMatchObject({ unresolved: 0 });

    expect(await h.store.systemEvents()).toEqual([
      expect.objectContaining({
        name: 'drift.orphan_close_failed',
        detail: expect.stringMatching(/carries no request id, so the bot cannot close it: remove it by hand$/),
      }),
    ]);
  });

  it('closeThatFails_isRetriedEverySweep_reportedOnce_thenReportedClosed', async () => {
    harness();
    await h.backend.open(strayRule('zzz234'));
    h.backend.failNext('close', 'NSG is locked', 2);

    await h.workflow.sweep();
    await h.workflow.sweep();
    expect(h.backend.isOpen('zzz234')).toBe(true);
    await h.workflow.sweep();

    expect(h.backend.isOpen('zzz234')).toBe(false);
    expect((await h.store.systemEvents()).map((event) => event.name)).toEqual(['drift.orphan_close_failed', 'drift.orphan_closed']);
    expect((await h.store.systemEvents())[0]?.detail).toMatch(/closing it failed, retried every sweep: NSG is locked$/);
  });
});

describe('vanished rules', () => {
  it('grantWhoseRulesWereDeleted_isReportedAlertedAndClosed', async () => {
    harness();
    const grant = await activeGrant();
    await h.backend.close(grantSpec(grant, grant.endAt!));

    expect(await h.workflow.sweep()).toMatchObject({ vanished: 1 });

    const stored = (await h.store.getRequest(grant.id))!;
    expect(stored).toMatchObject({ state: 'closed', reason: 'vanished' });
    expect((await eventNames(grant.id)).slice(-3)).toEqual(['grant.vanished', 'grant.closing', 'grant.closed']);
    expect((await h.store.auditEvents(grant.id)).find((event) => event.name === 'grant.vanished')?.detail).toBe(
      '22/TCP no longer open on backend memory before the end',
    );
    expect((await h.notifications()).filter((note) => note.kind === 'alert')).toHaveLength(1);
  });

  it('grantMissingOneOfItsPorts_isClosedWhole_failingClosed', async () => {
    harness();
    const grant = await activeGrant('22,443');
    await h.backend.open({ ...grantSpec(grant, grant.endAt!), ports: [{ number: 443, protocol: 'TCP' }] });

    await h.workflow.sweep();

    expect((await h.store.getRequest(grant.id))?.state).toBe('closed');
    expect(h.backend.isOpen(grant.id)).toBe(false);
    expect((await h.store.auditEvents(grant.id)).find((event) => event.name === 'grant.vanished')?.detail).toBe(
      '22/TCP no longer open on backend memory before the end',
    );
  });

  it('grantWithinTheGraceOfItsEnd_isNotDrift_theKernelMayHaveDroppedItFirst', async () => {
    harness();
    const grant = await activeGrant();
    await h.backend.close(grantSpec(grant, grant.endAt!));
    h.clock.advance(grant.endAt! - h.clock.now() - VANISH_GRACE_MS);

    expect(await h.workflow.sweep()).toMatchObject({ vanished: 0 });
    expect(await eventNames(grant.id)).not.toContain('grant.vanished');
  });
});

describe('a stale first read is checked again before acting', () => {
  /** A backend whose next list() answers from a snapshot taken earlier: the rule changed in between. */
  class StaleOnce implements FirewallBackend {
    readonly name = 'memory';
    stale: OpenRule[] | undefined;
    constructor(private readonly inner: MemoryBackend) {}
    protect = (ports: Parameters<FirewallBackend['protect']>[0]) => this.inner.protect(ports);
    open = (grant: GrantSpec) => this.inner.open(grant);
    close = (grant: GrantSpec) => this.inner.close(grant);
    extend = (grant: GrantSpec) => this.inner.extend(grant);
    health = () => this.inner.health();
    async list(): Promise<OpenRule[]> {
      const answer = this.stale ?? (await this.inner.list());
      this.stale = undefined;
      return answer;
    }
  }

  it('ruleThatClosedAfterTheFirstRead_isNotReported', async () => {
    harness();
    const stale = new StaleOnce(h.backend);
    h.ctx.backends = new BackendRegistry([stale], 'memory');
    await h.backend.open(strayRule('zzz234'));
    stale.stale = await h.backend.list();
    await h.backend.close(strayRule('zzz234'));

    expect(await h.workflow.sweep()).toMatchObject({ orphansClosed: 0 });
    expect(await h.store.systemEvents()).toEqual([]);
  });

  it('grantThatOpenedAfterTheFirstRead_isNotVanished', async () => {
    harness();
    const stale = new StaleOnce(h.backend);
    h.ctx.backends = new BackendRegistry([stale], 'memory');
    stale.stale = [];
    const grant = await activeGrant();

    expect(await h.workflow.sweep()).toMatchObject({ vanished: 0 });
    expect((await h.store.getRequest(grant.id))?.state).toBe('active');
  });
});

describe('a backend that cannot be listed', () => {
  it('isSkippedAndCounted_nothingIsClosedOnAGuess', async () => {
    harness();
    const grant = await activeGrant();
    h.backend.failNext('list', 'ARM unreachable');

    expect(await h.workflow.sweep()).toMatchObject({ unlisted: 1, vanished: 0, orphansClosed: 0 });
    expect((await h.store.getRequest(grant.id))?.state).toBe('active');
  });
});

describe('the store is read once per reconcile', () => {
  it('manyGrantsHeldByTheBackend_areExplainedByOneReadOfTheOpenRequests_notARequestEach', async () => {
    harness();
    const grants = [await activeGrant(), await activeGrant(), await activeGrant()];
    await h.backend.open(strayRule('zzz234'));
    const getRequest = vi.spyOn(h.store, 'getRequest');
    const listRequests = vi.spyOn(h.store, 'listRequests');

    const report = await reconcile(h.ctx, new DriftMemory());

    expect(report).toMatchObject({ orphansClosed: 1, vanished: 0, unresolved: 0 });
    // The one orphan is checked again under its lock; the grants the backend holds cost no read of their own.
    expect(getRequest.mock.calls).toEqual([['zzz234']]);
    expect(listRequests).toHaveBeenCalledTimes(1);
    for (const grant of grants) expect(h.backend.isOpen(grant.id)).toBe(true);
  });
});
