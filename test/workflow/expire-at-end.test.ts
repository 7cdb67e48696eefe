// A grant whose backend drops its rules at its end by itself (closesAtEnd:
// nftables element timeouts) is not marked `closing` before the backend
// confirms: once it has, `grant.closing` and `grant.closed` are written in one
// commit, with the audit events and Slack messages the two commits of any
// other backend write. A crash before that commit leaves the grant active past
// its end, which the sweep closes as any grant past its end.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AccessRequest } from '../../src/domain/types.js';
import type { Store, TransitionItem } from '../../src/ports/store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { FakeClock } from '../support/fake-clock.js';
import { createHarness, policyOf, type Harness } from '../support/workflow-harness.js';

const HOUR = 3_600_000;
const EXTENSION_NEEDS_APPROVAL = { name: 'short', match: { vms: ['web-*'], maxDurationSeconds: HOUR / 1000 }, effect: 'approve' as const };

let h: Harness;
let dir: string;
afterEach(() => {
  h.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** The SQLite store, recording each write call's items; `failWrites` makes the next that many write calls throw (a crash's lost commit). */
function recordingStore(file: string, clock: FakeClock) {
  const inner = SqliteStore.open(file, { clock });
  const writes: string[][] = [];
  const control = { failWrites: 0 };
  const record = (items: Pick<TransitionItem, 'next'>[]) => {
    writes.push(items.map((item) => `${item.next.id}:${item.next.state}`));
    if (control.failWrites > 0) {
      control.failWrites--;
      throw new Error('disk I/O error');
    }
  };
  const store = new Proxy(inner, {
    get(target, key, receiver) {
      if (key === 'transitions') {
        return async (items: TransitionItem[]) => {
          record(items);
          return target.transitions(items);
        };
      }
      if (key === 'transition') {
        return async (...args: Parameters<Store['transition']>) => {
          record([{ next: args[1] }]);
          return target.transition(...args);
        };
      }
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Store;
  return { store, writes, control };
}

/** `count` open grants, their backend closing them at their end by itself when `closesAtEnd`. */
async function openGrants(count: number, closesAtEnd: boolean) {
  dir = mkdtempSync(join(tmpdir(), 'jit-expire-at-end-'));
  const clock = new FakeClock();
  const recorded = recordingStore(join(dir, 'jit.db'), clock);
  h = createHarness({ store: recorded.store, policy: policyOf({ rules: [EXTENSION_NEEDS_APPROVAL] }) });
  if (closesAtEnd) Object.assign(h.backend, { closesAtEnd: true });
  const grants: AccessRequest[] = [];
  for (let i = 0; i < count; i++) {
    const result = await h.workflow.request(h.input({ requester: `UREQ${i}`, duration: '1h', source: `203.0.113.${i + 1}` }));
    if (!result.ok || result.request.state !== 'active') throw new Error('setup failed');
    grants.push(result.request);
  }
  recorded.writes.length = 0;
  return { ...recorded, grants };
}

/** What Slack is told about a grant's close, in order, as the outbox holds it. */
async function closeMessages(id: string): Promise<string[]> {
  const told: string[] = [];
  for (const n of await h.notifications()) {
    if (n.kind === 'system' || n.request.id !== id || !n.request.state.startsWith('clos')) continue;
    told.push(`${n.kind} ${'event' in n ? (typeof n.event === 'string' ? n.event : n.event.name) : ''} ${n.request.state}`);
  }
  return told;
}

describe('expiry on a backend that closes at the end by itself', () => {
  it('expireMany_writesClosingAndClosedInOneCommit_withTheEventsAndMessagesOfTwo', async () => {
    const twoStep = await openGrants(1, false);
    h.clock.advance(HOUR);
    await h.workflow.expireMany(twoStep.grants.map((g) => g.id));
    const closeEvents = async (id: string) =>
      (await h.store.auditEvents(id)).filter((e) => e.name.startsWith('grant.clos')).map((e) => [e.name, e.actor, e.detail]);
    const twoStepEvents = await closeEvents(twoStep.grants[0]!.id);
    const twoStepMessages = await closeMessages(twoStep.grants[0]!.id);
    expect(twoStep.writes).toEqual([[`${twoStep.grants[0]!.id}:closing`], [`${twoStep.grants[0]!.id}:closed`]]);
    h.cleanup();
    rmSync(dir, { recursive: true, force: true });

    const { grants, writes } = await openGrants(3, true);
    h.clock.advance(HOUR);
    const outcomes = await h.workflow.expireMany(grants.map((g) => g.id));

    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value?.state : o.reason))).toEqual(['closed', 'closed', 'closed']);
    expect(writes).toEqual([grants.map((g) => `${g.id}:closed`)]);
    for (const g of grants) {
      expect(h.backend.isOpen(g.id)).toBe(false);
      expect(await closeEvents(g.id)).toEqual(twoStepEvents);
      expect(await closeMessages(g.id)).toEqual(twoStepMessages);
      expect(await h.store.getRequest(g.id)).toMatchObject({ state: 'closed', reason: 'expired', version: g.version + 1 });
    }
    expect(twoStepMessages).toEqual(['audit grant.closing closing', 'audit grant.closed closed', 'requester_dm grant.closed closed']);
    expect((await h.store.verifyAuditChain()).ok).toBe(true);
  });

  it('aCommitLostAfterTheClose_leavesTheGrantActivePastItsEnd_andTheSweepClosesItOnce', async () => {
    const { grants, control } = await openGrants(1, true);
    const id = grants[0]!.id;
    h.clock.advance(HOUR);
    // The commit fails (a batch of one is a single write): as if the process died before it.
    control.failWrites = 1;

    const [outcome] = await h.workflow.expireMany([id]);

    expect(outcome?.status).toBe('rejected');
    expect(h.backend.isOpen(id)).toBe(false);
    expect(await h.store.getRequest(id)).toMatchObject({ state: 'active' });
    expect((await h.store.dueForClose(h.clock.now())).map((r) => r.id)).toEqual([id]);

    const report = await h.workflow.sweep();

    expect(report, JSON.stringify(report)).toMatchObject({ closed: 1 });
    const names = (await h.store.auditEvents(id)).map((e) => e.name);
    expect(names.filter((n) => n === 'grant.closing')).toHaveLength(1);
    expect(names.filter((n) => n === 'grant.closed')).toHaveLength(1);
    expect((await h.store.verifyAuditChain()).ok).toBe(true);
  });

  it('aRefusedClose_isRecordedClosingThenFailed_andRetried', async () => {
    const { grants } = await openGrants(1, true);
    const id = grants[0]!.id;
    const retries: number[] = [];
    h.ctx.listener.retryClose = (_request, delayMs) => retries.push(delayMs);
    h.clock.advance(HOUR);
    h.backend.failNext('close', 'nft: permission denied');

    const [outcome] = await h.workflow.expireMany([id]);

    expect(outcome?.status === 'fulfilled' && outcome.value?.state).toBe('closing');
    expect((await h.store.auditEvents(id)).map((e) => e.name).slice(-2)).toEqual(['grant.closing', 'grant.close_failed']);
    expect(retries).toEqual([1000]);
    expect((await h.workflow.expire(id))?.state).toBe('closed');
    expect((await h.store.auditEvents(id)).map((e) => e.name).slice(-1)).toEqual(['grant.closed']);
  });

  it('beforeItsEnd_nothingIsClosed', async () => {
    const { grants, writes } = await openGrants(1, true);
    h.clock.advance(HOUR - 1);

    expect((await h.workflow.expire(grants[0]!.id))?.state).toBe('active');
    expect(writes).toEqual([]);
    expect(h.backend.isOpen(grants[0]!.id)).toBe(true);
  });
});

describe('expireMany and the extensions waiting on its grants', () => {
  it.each([false, true])('anExtensionWaitingForApproval_isCancelledOnceItsGrantExpired (closesAtEnd: %s)', async (closesAtEnd) => {
    const { grants } = await openGrants(2, closesAtEnd);
    const extended = await h.workflow.extend(grants[0]!.id, 'UREQ0', { duration: '1h' });
    if (extended.outcome !== 'pending') throw new Error('setup: the extension should wait for approval');
    h.clock.advance(HOUR);

    await h.workflow.expireMany(grants.map((g) => g.id));

    expect(await h.store.getRequest(extended.extension.id)).toMatchObject({
      state: 'cancelled',
      decidedBy: 'system',
      reason: `#${grants[0]!.id} was expired before the extension was decided`,
    });
    expect((await h.store.getRequest(grants[1]!.id))?.state).toBe('closed');
  });

  it('withNoExtensionWaiting_readsThePendingRequestsOnceForTheBatch', async () => {
    const { grants } = await openGrants(3, true);
    const lists: unknown[] = [];
    const listRequests = h.store.listRequests.bind(h.store);
    h.store.listRequests = (filter) => {
      lists.push(filter);
      return listRequests(filter);
    };
    h.clock.advance(HOUR);

    await h.workflow.expireMany(grants.map((g) => g.id));

    expect(lists).toEqual([{ states: ['pending'] }]);
  });
});
