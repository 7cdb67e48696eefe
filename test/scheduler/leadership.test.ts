// The scheduler lease between replicas, on the memory store with a manual
// clock (the lease's time) and a manual monotonic clock (a replica's own sense
// of how long it has held it). A replica that "dies" simply stops trying.

import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { ManualClock } from '../../src/ports/clock.js';
import { MemoryStore } from '../../src/ports/memory-store.js';
import type { LeaseStore } from '../../src/ports/store.js';
import { Leadership } from '../../src/scheduler/leadership.js';

const TTL = 3000;
const logger = createLogger({ write: () => undefined });

function replica(store: LeaseStore, holder: string, clock: ManualClock, monotonic: { now: number }) {
  const log: string[] = [];
  const leadership = new Leadership(store, {
    holder,
    clock,
    logger,
    ttlMs: TTL,
    monotonic: () => monotonic.now,
    onLead: () => log.push('lead'),
    onFollow: () => log.push('follow'),
  });
  return { leadership, log };
}

/** Two replicas on one store, the lease's clock and their monotonic clock shared and moved by the test. */
function twoReplicas() {
  const store = new MemoryStore();
  const clock = new ManualClock();
  const mono = { now: 0 };
  const tick = (ms: number) => {
    clock.advance(ms);
    mono.now += ms;
  };
  return { store, clock, mono, tick, a: replica(store, 'a', clock, mono), b: replica(store, 'b', clock, mono) };
}

describe('Leadership', () => {
  it('theFirstReplicaLeads_theOthersFollow_andAllSayWhoLeads', async () => {
    const { a, b } = twoReplicas();

    await a.leadership.tryLead();
    await b.leadership.tryLead();

    expect([a.leadership.isLeader(), b.leadership.isLeader()]).toEqual([true, false]);
    expect([a.leadership.leader(), b.leadership.leader()]).toEqual(['a', 'a']);
    expect([a.log, b.log]).toEqual([['lead'], []]);
  });

  it('aLeaderThatStopsRenewing_isReplacedOnceItsLeaseRunsOut', async () => {
    const { a, b, tick } = twoReplicas();
    await a.leadership.tryLead();

    // a dies: b keeps trying every second.
    for (let second = 1; second < 3; second++) {
      tick(1000);
      await b.leadership.tryLead();
      expect(b.leadership.isLeader()).toBe(false);
    }
    tick(1000);
    await b.leadership.tryLead();

    expect(b.leadership.isLeader()).toBe(true);
    expect(b.log).toEqual(['lead']);
    // a, frozen meanwhile (a long pause, not a death), knows its lease may have run out.
    expect(a.leadership.isLeader()).toBe(false);
    await a.leadership.tryLead();
    expect(a.log).toEqual(['lead', 'follow']);
  });

  it('aLeaderThatRenews_keepsLeading', async () => {
    const { a, b, tick } = twoReplicas();
    for (let second = 0; second < 10; second++) {
      await a.leadership.tryLead();
      await b.leadership.tryLead();
      tick(1000);
    }
    expect([a.leadership.isLeader(), b.leadership.isLeader()]).toEqual([true, false]);
    expect([a.log, b.log]).toEqual([['lead'], []]);
  });

  it('aLeaderThatLosesTheDatabase_stepsDownWhenItsLeaseMayHaveRunOut', async () => {
    const store = new MemoryStore();
    const clock = new ManualClock();
    const mono = { now: 0 };
    let down = false;
    const flaky: LeaseStore = {
      acquireLease: (...args) => (down ? Promise.reject(new Error('connection refused')) : store.acquireLease(...args)),
      releaseLease: (...args) => store.releaseLease(...args),
      currentLease: (...args) => store.currentLease(...args),
    };
    const a = replica(flaky, 'a', clock, mono);
    await a.leadership.tryLead();
    down = true;

    mono.now = TTL - 1;
    await a.leadership.tryLead();
    expect(a.leadership.isLeader()).toBe(true);
    mono.now = TTL;
    await a.leadership.tryLead();
    expect(a.leadership.isLeader()).toBe(false);
    expect(a.log).toEqual(['lead', 'follow']);
    expect(a.leadership.leader()).toBeUndefined();
  });

  it('stop_givesTheLeaseUp_soAnotherReplicaTakesItAtOnce', async () => {
    const { a, b } = twoReplicas();
    await a.leadership.start();

    await a.leadership.stop();
    await b.leadership.tryLead();

    expect(b.leadership.isLeader()).toBe(true);
    expect(a.log).toEqual(['lead', 'follow']);
  });
});
