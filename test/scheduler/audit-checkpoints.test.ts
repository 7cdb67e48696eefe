// Audit checkpoints with two replicas on one real SQLite file: both tick, only
// the scheduler leader records, so the audit channel gets one checkpoint; when
// the lease passes to the other replica, that one checkpoints from then on.

import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hmacKey } from '../../src/domain/audit-anchor.js';
import { createLogger } from '../../src/log.js';
import { ManualClock } from '../../src/ports/clock.js';
import { AuditCheckpoints } from '../../src/scheduler/audit-checkpoints.js';
import { Leadership } from '../../src/scheduler/leadership.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { checkpointAuditChain } from '../../src/workflow/audit-checkpoint.js';
import { makeEvent, makeRequest, makeTempDir, removeDir } from '../store/fixtures.js';

const KEY = hmacKey('k'.repeat(64));
const logger = createLogger({ write: () => undefined });
const dirs: string[] = [];
const stores: SqliteStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) removeDir(dir);
});

/** Two replicas, each with its own connection to one database file, as two bot processes would be. */
function twoReplicas() {
  const dir = makeTempDir();
  dirs.push(dir);
  const file = path.join(dir, 'jit.db');
  const clock = new ManualClock(1_800_000_000_000);
  const mono = { now: 0 };
  const replica = (holder: string) => {
    const store = SqliteStore.open(file, { clock });
    stores.push(store);
    const leadership = new Leadership(store, { holder, clock, logger, monotonic: () => mono.now, onLead: () => undefined, onFollow: () => undefined });
    const calls = { count: 0 };
    const checkpoint = () => {
      calls.count++;
      return checkpointAuditChain(store, KEY, clock);
    };
    const checkpoints = new AuditCheckpoints({ intervalMs: 60_000, leads: () => leadership.isLeader(), checkpoint, logger });
    return { store, leadership, checkpoints, calls };
  };
  const a = replica('a');
  const b = replica('b');
  const tick = (ms: number) => {
    clock.advance(ms);
    mono.now += ms;
  };
  return { a, b, tick };
}

async function checkpointsIn(store: SqliteStore): Promise<number> {
  return (await store.systemEvents()).filter((event) => event.name === 'audit.checkpoint').length;
}

async function grow(store: SqliteStore, id: string): Promise<void> {
  const request = makeRequest({ id });
  await store.insertRequest(request, [makeEvent(request, 'request.created')], []);
}

describe('AuditCheckpoints', () => {
  it('twoReplicasTicking_recordOneCheckpoint_theLeaders', async () => {
    const { a, b } = twoReplicas();
    await grow(a.store, 'abc234');
    await a.leadership.tryLead();
    await b.leadership.tryLead();

    await Promise.all([a.checkpoints.tick(), b.checkpoints.tick(), a.checkpoints.tick(), b.checkpoints.tick()]);

    expect(await checkpointsIn(a.store)).toBe(1);
    // The follower never even tried: the leader check, not the "chain grew" check, kept it out.
    expect([a.calls.count, b.calls.count]).toEqual([1, 0]);
    const outbox = await b.store.pendingOutbox(10);
    expect(outbox.filter((row) => row.notification.kind === 'system')).toHaveLength(1);
  });

  it('afterTheLeaseMoves_theNewLeaderCheckpoints_andTheOldOneNoLonger', async () => {
    const { a, b, tick } = twoReplicas();
    await a.leadership.tryLead();
    await grow(a.store, 'abc234');
    await a.checkpoints.tick();

    // a dies: its lease runs out and b takes over.
    tick(5000);
    await b.leadership.tryLead();
    expect([a.leadership.isLeader(), b.leadership.isLeader()]).toEqual([false, true]);
    await grow(b.store, 'def567');
    await a.checkpoints.tick();
    expect(await checkpointsIn(b.store)).toBe(1);
    await b.checkpoints.tick();
    expect(await checkpointsIn(b.store)).toBe(2);
  });

  it('aFailingCheckpoint_isLogged_andTheNextTickTriesAgain', async () => {
    const lines: string[] = [];
    let calls = 0;
    const checkpoints = new AuditCheckpoints({
      intervalMs: 60_000,
      leads: () => true,
      checkpoint: async () => {
        calls++;
        if (calls === 1) throw new Error('database is locked');
      },
      logger: createLogger({ write: (line) => lines.push(line) }),
    });
    await checkpoints.tick();
    await checkpoints.tick();
    expect(calls).toBe(2);
    expect(lines.join('\n')).toMatch(/could not record the audit checkpoint.*database is locked/s);
  });
});
