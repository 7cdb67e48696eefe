// Grants that end together are closed as one batch: each under its own lock
// and its own compare-and-swap, but their `closing` commits go to the store in
// one transaction, their closes reach the backend together, and their
// `closed` commits go in one more transaction.

import { afterEach, describe, expect, it } from 'vitest';
import type { AccessRequest } from '../../src/domain/types.js';
import type { Store, TransitionItem } from '../../src/ports/store.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { FakeClock } from '../support/fake-clock.js';
import { createHarness, policyOf, type Harness } from '../support/workflow-harness.js';

let h: Harness;
let dir: string;
afterEach(() => {
  h.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** The SQLite store, recording what each write call carried; `failBatches` makes every batch throw (a bad row). */
function recordingStore(file: string, clock: FakeClock, failBatches = false) {
  const inner = SqliteStore.open(file, { clock });
  const batches: string[][] = [];
  const singles: string[] = [];
  const store = new Proxy(inner, {
    get(target, key, receiver) {
      if (key === 'transitions') {
        return async (items: TransitionItem[]) => {
          batches.push(items.map((item) => `${item.next.id}:${item.next.state}`));
          if (failBatches) throw new Error('disk I/O error');
          return target.transitions(items);
        };
      }
      if (key === 'transition') {
        return (...args: Parameters<Store['transition']>) => {
          singles.push(`${args[1].id}:${args[1].state}`);
          return target.transition(...args);
        };
      }
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Store;
  return { store, batches, singles };
}

async function openGrants(count: number, failBatches = false) {
  dir = mkdtempSync(join(tmpdir(), 'jit-expire-batch-'));
  const clock = new FakeClock();
  const recorded = recordingStore(join(dir, 'jit.db'), clock, failBatches);
  h = createHarness({ store: recorded.store, policy: policyOf({ rules: [{ name: 'auto', match: { vms: ['web-*'] }, effect: 'approve' }] }) });
  const grants: AccessRequest[] = [];
  for (let i = 0; i < count; i++) {
    const result = await h.workflow.request(h.input({ requester: `UREQ${i}`, duration: '1h', source: `203.0.113.${i + 1}` }));
    if (!result.ok || result.request.state !== 'active') throw new Error('setup failed');
    grants.push(result.request);
  }
  recorded.batches.length = 0;
  recorded.singles.length = 0;
  return { ...recorded, grants };
}

describe('expireMany', () => {
  it('grantsEndingTogether_closeWithOneStoreTransactionPerStep', async () => {
    const { grants, batches, singles } = await openGrants(5);
    const closes: string[][] = [];
    const close = h.backend.close.bind(h.backend);
    const tick: string[] = [];
    h.backend.close = async (grant) => {
      if (tick.length === 0) setImmediate(() => closes.push(tick.splice(0)));
      tick.push(grant.requestId);
      return close(grant);
    };
    h.clock.advance(3_600_000);

    const outcomes = await h.workflow.expireMany(grants.map((g) => g.id));

    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value?.state : o.reason))).toEqual(Array(5).fill('closed'));
    expect(batches).toEqual([grants.map((g) => `${g.id}:closing`), grants.map((g) => `${g.id}:closed`)]);
    expect(singles).toEqual([]);
    // The backend was asked for all five closes in the same tick (nftables makes that one transaction).
    expect(closes).toEqual([grants.map((g) => g.id)]);
    for (const g of grants) expect(h.backend.isOpen(g.id)).toBe(false);
    const names = (await h.store.auditEvents()).map((e) => e.name);
    expect(names.filter((n) => n === 'grant.closed')).toHaveLength(5);
    expect((await h.store.verifyAuditChain()).ok).toBe(true);
  });

  it('aGrantNotDueOrAlreadyClosed_isLeftAsItIs_andTheOthersStillClose', async () => {
    const { grants } = await openGrants(3);
    await h.workflow.revoke(grants[1]!.id, 'UREQ1');
    const stateOf = (outcomes: PromiseSettledResult<AccessRequest | undefined>[]) => outcomes.map((o) => (o.status === 'fulfilled' ? o.value?.state : 'threw'));
    h.clock.advance(1_800_000);

    expect(stateOf(await h.workflow.expireMany(grants.map((g) => g.id)))).toEqual(['active', 'closed', 'active']);
    h.clock.advance(1_800_000);
    expect(stateOf(await h.workflow.expireMany(grants.map((g) => g.id)))).toEqual(['closed', 'closed', 'closed']);
    expect((await h.store.auditEvents(grants[1]!.id)).filter((e) => e.name === 'grant.closed')).toHaveLength(1);
    expect((await h.store.getRequest(grants[1]!.id))?.reason).toBe('revoked');
    expect((await h.store.getRequest(grants[0]!.id))?.reason).toBe('expired');
  });

  it('whenTheBatchTransactionFails_eachGrantIsWrittenOnItsOwn', async () => {
    const { grants, batches, singles } = await openGrants(3, true);
    h.clock.advance(3_600_000);

    const outcomes = await h.workflow.expireMany(grants.map((g) => g.id));

    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value?.state : o.reason))).toEqual(['closed', 'closed', 'closed']);
    expect(batches).toHaveLength(2);
    expect(singles.sort()).toEqual(grants.flatMap((g) => [`${g.id}:closing`, `${g.id}:closed`]).sort());
    expect((await h.store.verifyAuditChain()).ok).toBe(true);
  });
});
