// Admin use cases over a real SQLite store and the memory firewall, with the
// moments that matter held open: two admins racing to enable one VM, and a
// firewall that refuses the new deny rules.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePolicyDocument } from '../../src/domain/policy/parse.js';
import type { SeenVm } from '../../src/ports/firewall.js';
import { MemoryBackend } from '../../src/ports/memory-firewall.js';
import { BackendRegistry } from '../../src/workflow/backends.js';
import { createLogger } from '../../src/log.js';
import { StaticDirectory } from '../../src/ports/directory.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { AdminWorkflow } from '../../src/workflow/admin.js';
import { KeyedLock } from '../../src/ports/lock.js';
import type { WorkflowContext } from '../../src/workflow/context.js';
import { LivePolicy, type PolicyFile } from '../../src/workflow/live-policy.js';
import { FakeClock } from '../support/fake-clock.js';
import { mrkdwn } from '../../src/slack/render.js';

/** Its inventory answers only once `release()` is called, so two callers can be held at the same point. */
class GatedBackend extends MemoryBackend {
  private opened!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.opened = resolve));
  waiting = 0;
  release(): void {
    this.opened();
  }
  override async inventory(): Promise<SeenVm[]> {
    this.waiting += 1;
    await this.gate;
    return super.inventory();
  }
}

let dir: string;
let store: SqliteStore;
let backend: GatedBackend;
let live: LivePolicy;
let admin: AdminWorkflow;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jit-admin-'));
  store = SqliteStore.open(join(dir, 'jit.db'));
  backend = new GatedBackend('memory', { seen: [{ id: 'spare-1', name: 'spare-1', support: 'supported' }] });
  const document = {
    approvers: ['UAPPROVER1'],
    virtualMachines: [
      { id: 'web-1', address: '10.0.0.4', ports: [{ number: 22, protocol: 'TCP', allowedSourceAddressPrefix: '*', maxRequestAccessDuration: 'PT3H' }] },
    ],
  };
  const parsed = parsePolicyDocument(document);
  if (!parsed.ok) throw new Error('fixture');
  const file: PolicyFile = { document, policy: parsed.policy };
  const backends = new BackendRegistry([backend], 'memory');
  const logger = createLogger({ write: () => undefined });
  const lock = new KeyedLock();
  const clock = new FakeClock();
  live = await LivePolicy.load({ store, backends, clock, logger, lock, readFile: () => file }, file);
  await live.reportOverlay();
  const ctx: WorkflowContext = {
    store,
    backends,
    clock,
    logger,
    lock,
    policy: () => live.policy(),
    directory: new StaticDirectory({}),
    randomBytes: (size) => new Uint8Array(size),
    settings: { pendingTimeoutMs: 60_000, admins: ['UADMIN', 'UADMIN2'] },
    listener: {},
  };
  admin = new AdminWorkflow(ctx, live);
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('AdminWorkflow', () => {
  it('enable_twoAdminsPastTheFirstCheckAtOnce_enableOnce_andOneEventIsAudited', async () => {
    const first = admin.enable({ user: 'UADMIN', vm: 'spare-1' });
    const second = admin.enable({ user: 'UADMIN2', vm: 'spare-1' });
    // Both have found the VM not yet configured and wait on the inventory.
    while (backend.waiting < 2) await new Promise((resolve) => setImmediate(resolve));
    backend.release();

    const results = await Promise.all([first, second]);

    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && mrkdwn(r.message))).toEqual([
      'spare-1 is already enabled: use `/jit edit spare-1` to change its ports.',
    ]);
    expect((await store.systemEvents()).map((e) => e.name)).toEqual(['policy.vm_enabled']);
    expect((await store.overlayVms()).map((e) => e.name)).toEqual(['spare-1']);
  });

  it('enable_whenTheFirewallRefusesTheDenyRules_storesNothing_andTheRunningPolicyStays', async () => {
    backend.release();
    backend.failNext('protect', 'NSG write refused');

    await expect(admin.enable({ user: 'UADMIN', vm: 'spare-1' })).rejects.toThrow(/backend memory could not install its deny rules: NSG write refused/);

    expect(await store.overlayVms()).toEqual([]);
    expect(await store.systemEvents()).toEqual([]);
    expect(live.policy().vms.map((vm) => vm.name)).toEqual(['web-1']);
  });

  it('edit_afterAnotherAdminSavedTheVm_describesTheChangeFromWhatRunsNow', async () => {
    backend.release();
    await admin.edit('UADMIN', 'web-1', '22 TCP * PT1H');
    const second = await admin.edit('UADMIN2', 'web-1', '22 TCP * PT2H');
    expect(second.ok && second.change).toBe('22/TCP: up to 1h → up to 2h');
    expect((await store.systemEvents()).map((e) => e.detail)).toEqual([
      'changed web-1: 22/TCP: up to 3h → up to 1h',
      'changed web-1: 22/TCP: up to 1h → up to 2h',
    ]);
  });
});
