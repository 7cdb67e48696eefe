// The overdue watch: what the leading replica checks every second so a grant
// whose own timers are gone (its replica died) still closes, and its requester
// is still warned, each once.

import { afterEach, describe, expect, it } from 'vitest';
import { OVERDUE_GRACE_MS } from '../../src/workflow/overdue.js';
import { createHarness, type Harness } from '../support/workflow-harness.js';

const harnesses: Harness[] = [];
afterEach(() => {
  for (const h of harnesses.splice(0)) h.cleanup();
});

/** A grant opened for one hour; the harness arms no timers, as a replica that died has none. */
async function openGrant(h: Harness): Promise<string> {
  const result = await h.workflow.request(h.input({ duration: '1h' }));
  if (!result.ok) throw new Error('request refused');
  await h.workflow.approve(result.request.id, 'UAPPROVER1');
  const stored = await h.store.getRequest(result.request.id);
  expect(stored?.state).toBe('active');
  return result.request.id;
}

async function eventNames(h: Harness, id: string): Promise<string[]> {
  return (await h.store.auditEvents(id)).map((event) => event.name);
}

describe('watchOverdue', () => {
  it('aGrantItsTimerMissed_isClosedOnceItIsLateByTheGrace_notBefore', async () => {
    const h = createHarness();
    harnesses.push(h);
    const id = await openGrant(h);
    const end = (await h.store.getRequest(id))!.endAt!;

    h.clock.set(end + OVERDUE_GRACE_MS - 1);
    expect((await h.workflow.watchOverdue()).closed).toBe(0);
    expect((await h.store.getRequest(id))?.state).toBe('active');

    h.clock.set(end + OVERDUE_GRACE_MS);
    expect((await h.workflow.watchOverdue()).closed).toBe(1);
    expect((await h.store.getRequest(id))?.state).toBe('closed');
    expect(await h.backend.list()).toEqual([]);
  });

  it('aGrantWhoseExpiryThisProcessIsConfirming_isLeftToIt_notQueuedBehindItsLock', async () => {
    const h = createHarness();
    harnesses.push(h);
    // A backend whose rules end by themselves (nftables): the grant stays active until its close is confirmed.
    Object.assign(h.backend, { closesAtEnd: true });
    const id = await openGrant(h);
    const end = (await h.store.getRequest(id))!.endAt!;
    const close = h.backend.close.bind(h.backend);
    let confirm: () => void = () => undefined;
    h.backend.close = (grant) => new Promise((done) => (confirm = () => done(close(grant))));
    h.clock.set(end);
    const expiring = h.workflow.expire(id);
    await new Promise((done) => setImmediate(done));

    h.clock.set(end + OVERDUE_GRACE_MS);
    expect((await h.workflow.watchOverdue()).closed).toBe(0);
    expect((await h.store.getRequest(id))?.state).toBe('active');

    confirm();
    expect((await expiring)?.state).toBe('closed');
    expect((await eventNames(h, id)).filter((name) => name === 'grant.closed')).toHaveLength(1);
    expect(h.backend.calls.filter((call) => call.op === 'close')).toHaveLength(1);
  });

  it('twoReplicasWatchingAtOnce_closeTheGrantOnce_andWarnOnce', async () => {
    const a = createHarness();
    // The second replica: its own workflow over the same database.
    const b = createHarness({ store: a.store });
    harnesses.push(a, b);
    const id = await openGrant(a);
    const end = (await a.store.getRequest(id))!.endAt!;

    for (const h of [a, b]) h.clock.set(end - 60_000);
    await Promise.all([a.workflow.watchOverdue(), b.workflow.watchOverdue()]);
    expect((await eventNames(a, id)).filter((name) => name === 'grant.expiry_warning')).toHaveLength(1);

    for (const h of [a, b]) h.clock.set(end + OVERDUE_GRACE_MS);
    await Promise.all([a.workflow.watchOverdue(), b.workflow.watchOverdue()]);
    const names = await eventNames(a, id);
    expect(names.filter((name) => name === 'grant.closed')).toHaveLength(1);
    expect(names.filter((name) => name === 'grant.closing')).toHaveLength(1);
    expect((await a.store.verifyAuditChain()).ok).toBe(true);
  });

  it('anExpiryWarningOwed_isSentOnce_acrossWatches', async () => {
    const h = createHarness();
    harnesses.push(h);
    const id = await openGrant(h);
    const end = (await h.store.getRequest(id))!.endAt!;

    h.clock.set(end - 5 * 60_000 - 1);
    expect((await h.workflow.watchOverdue()).warned).toBe(0);
    h.clock.set(end - 5 * 60_000);
    expect((await h.workflow.watchOverdue()).warned).toBe(1);
    h.clock.set(end - 60_000);
    await h.workflow.watchOverdue();
    expect((await eventNames(h, id)).filter((name) => name === 'grant.expiry_warning')).toHaveLength(1);
  });
});
