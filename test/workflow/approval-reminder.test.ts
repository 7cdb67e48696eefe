import { afterEach, describe, expect, it } from 'vitest';
import type { AccessRequest, Rule } from '../../src/domain/types.js';
import type { SqliteStore } from '../../src/store/sqlite-store.js';
import { KeyedLock } from '../../src/ports/lock.js';
import type { WorkflowContext } from '../../src/workflow/context.js';
import type { Notification } from '../../src/ports/notifier.js';
import type { Store } from '../../src/ports/store.js';
import { sweep } from '../../src/workflow/sweep.js';
import { createHarness, policyOf, type Harness } from '../support/workflow-harness.js';

let h: Harness;
afterEach(() => h?.cleanup());

/** Two minutes to wait for approvals: the reminder is owed after one. */
const quick: Rule = { name: 'quick', match: {}, effect: 'require_approval', approvals: 2, pendingTimeoutSeconds: 120 };

async function pendingUnder(rule: Rule = quick): Promise<AccessRequest> {
  h = createHarness({ policy: policyOf({ rules: [rule] }) });
  const result = await h.workflow.request(h.input());
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.request;
}

const reminders = async (): Promise<Extract<Notification, { kind: 'approval_reminder' }>[]> =>
  (await h.notifications()).flatMap((n) => (n.kind === 'approval_reminder' ? [n] : []));

const remindedEvents = async (id: string) => (await h.store.auditEvents(id)).filter((e) => e.name === 'request.reminded');

/**
 * Another process on the same database: its own lock, and reads that may lag
 * behind the other's writes. `writes` records what its compare-and-swaps returned.
 */
function otherProcess(lagging?: Map<string, AccessRequest>, writes: (AccessRequest | undefined)[] = []): WorkflowContext {
  const base = h.store;
  const store: Store = Object.assign(Object.create(base) as SqliteStore, {
    transition: async (...args: Parameters<Store['transition']>) => {
      const stored = await base.transition(...args);
      writes.push(stored);
      return stored;
    },
    getRequest: async (id: string) => lagging?.get(id) ?? base.getRequest(id),
    listRequests: async (filter: Parameters<Store['listRequests']>[0]) =>
      lagging ? [...lagging.values()].filter((r) => filter.states?.includes(r.state) ?? true) : base.listRequests(filter),
  });
  return { ...h.ctx, store, lock: new KeyedLock() };
}

describe('the reminder halfway to the pending timeout', () => {
  it('sweep_beforeHalfway_remindsNobody', async () => {
    const request = await pendingUnder();
    h.clock.advance(60_000 - 1);
    expect((await h.workflow.sweep()).reminded).toBe(0);
    expect(await reminders()).toEqual([]);
    expect((await h.store.getRequest(request.id))?.remindedAt).toBeUndefined();
  });

  it('sweep_atHalfway_remindsOnceWithTheDeadline', async () => {
    const request = await pendingUnder();
    await h.workflow.approve(request.id, 'UAPPROVER1');
    h.clock.advance(60_000);
    expect((await h.workflow.sweep()).reminded).toBe(1);

    const stored = (await h.store.getRequest(request.id))!;
    expect(stored).toMatchObject({ state: 'pending', remindedAt: h.clock.now(), approvals: ['UAPPROVER1'] });
    expect(await reminders()).toEqual([
      {
        kind: 'approval_reminder',
        request: expect.objectContaining({ id: request.id, remindedAt: stored.remindedAt, approvals: ['UAPPROVER1'] }),
        timesOutAt: request.createdAt + 120_000,
      },
    ]);
    expect(await remindedEvents(request.id)).toEqual([
      {
        requestId: request.id,
        name: 'request.reminded',
        actor: 'system',
        at: h.clock.now(),
        detail: `times out at ${new Date(request.createdAt + 120_000).toISOString()}`,
      },
    ]);
    // The approvers only: no audit-thread reply, no DM to the requester for it.
    const afterReminder = (await h.notifications()).slice((await h.notifications()).findIndex((n) => n.kind === 'approval_reminder'));
    expect(afterReminder.map((n) => n.kind)).toEqual(['approval_reminder']);
  });

  it('sweep_again_doesNotRemindTwice', async () => {
    const request = await pendingUnder();
    h.clock.advance(60_000);
    await h.workflow.sweep();
    h.clock.advance(30_000);
    expect((await h.workflow.sweep()).reminded).toBe(0);
    h.clock.advance(29_999);
    expect((await h.workflow.sweep()).reminded).toBe(0);
    expect(await reminders()).toHaveLength(1);
    expect(await remindedEvents(request.id)).toHaveLength(1);
  });

  it('sweep_afterARestart_doesNotRemindAgain', async () => {
    const request = await pendingUnder();
    h.clock.advance(60_000);
    await h.workflow.sweep();
    // A new process: fresh lock, nothing in memory; only the stored remindedAt remembers.
    h.clock.advance(10_000);
    expect((await sweep(otherProcess())).reminded).toBe(0);
    expect(await remindedEvents(request.id)).toHaveLength(1);
  });

  it('sweep_afterTheRequestWasDecided_remindsNobody', async () => {
    const request = await pendingUnder();
    await h.workflow.approve(request.id, 'UAPPROVER1');
    await h.workflow.approve(request.id, 'UAPPROVER2');
    const denied = (await h.workflow.request(h.input({ requester: 'UOTHER' }))) as { request: AccessRequest };
    await h.workflow.deny(denied.request.id, 'UAPPROVER1');
    h.clock.advance(90_000);
    expect((await h.workflow.sweep()).reminded).toBe(0);
    expect(await reminders()).toEqual([]);
  });

  it('sweep_pastTheDeadline_timesOutWithoutAReminder', async () => {
    const request = await pendingUnder();
    h.clock.advance(120_000);
    expect(await h.workflow.sweep()).toMatchObject({ reminded: 0, timedOut: 1 });
    expect(await reminders()).toEqual([]);
    expect((await h.store.getRequest(request.id))?.state).toBe('timed_out');
  });

  it('sweep_requestWithoutARuleTimeout_usesTheConfiguredPendingTimeout', async () => {
    const created = await pendingUnder();
    const { pendingTimeoutSeconds: _drop, ...decision } = created.decision;
    const request = (await h.store.transition({ id: created.id, state: 'pending', version: created.version }, { ...created, decision }, [], []))!;
    h.ctx.settings.pendingTimeoutMs = 10 * 60_000;
    h.clock.advance(5 * 60_000 - 1);
    expect((await h.workflow.sweep()).reminded).toBe(0);
    h.clock.advance(1);
    expect((await h.workflow.sweep()).reminded).toBe(1);
    expect((await reminders())[0]?.timesOutAt).toBe(request.createdAt + 10 * 60_000);
  });

  it('sweep_concurrentInOneProcess_remindsOnce', async () => {
    const request = await pendingUnder();
    h.clock.advance(60_000);
    const reports = await Promise.all([h.workflow.sweep(), h.workflow.sweep(), h.workflow.sweep()]);
    expect(reports.map((r) => r.reminded).sort()).toEqual([0, 0, 1]);
    expect(await reminders()).toHaveLength(1);
    expect(await remindedEvents(request.id)).toHaveLength(1);
  });

  it('sweep_concurrentInTwoProcesses_theCompareAndSwapLetsOneRemind', async () => {
    const request = await pendingUnder();
    h.clock.advance(60_000);
    // The other process read the request before this one's reminder was committed.
    const lagging = new Map([[request.id, (await h.store.getRequest(request.id))!]]);
    const theirWrites: (AccessRequest | undefined)[] = [];
    const [mine, theirs] = await Promise.all([h.workflow.sweep(), sweep(otherProcess(lagging, theirWrites))]);
    expect([mine.reminded, theirs.reminded]).toEqual([1, 0]);
    // It did try, on its stale read, and the store refused the write.
    expect(theirWrites).toEqual([undefined]);
    expect(await reminders()).toHaveLength(1);
    expect(await remindedEvents(request.id)).toHaveLength(1);
    expect((await h.store.getRequest(request.id))?.version).toBe(request.version + 1);
  });
});
