// Several replicas on one database: each PostgresStore here has a pool of its
// own, as a separate process would, and they race on the same rows.

import { expect, it } from 'vitest';
import { laneOf } from '../../../src/domain/notification.js';
import type { SystemEvent } from '../../../src/domain/types.js';
import { PostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { describePg, PG_URL, pgScratch } from '../../support/postgres.js';
import { approvalOf, auditNote, dmNote, makeEvent, makeRequest, moved } from '../fixtures.js';

const NOW = 1_800_000_000_000;

describePg('PostgreSQL store shared by replicas', () => {
  const scratch = pgScratch();

  async function replicas(count: number): Promise<PostgresStore[]> {
    const schema = await scratch.schema();
    const first = scratch.track(await PostgresStore.open(PG_URL, { schema, poolSize: 2, clock: { now: () => NOW } }));
    const rest = await Promise.all(
      Array.from({ length: count - 1 }, () => PostgresStore.open(PG_URL, { schema, poolSize: 2, clock: { now: () => NOW } }).then(scratch.track)),
    );
    return [first, ...rest];
  }

  it('transition_racedByFiveReplicas_exactlyOneWins_andOnlyItsSideEffectsAreWritten', async () => {
    const stores = await replicas(5);
    const request = makeRequest();
    const created = makeEvent(request, 'request.created');
    await stores[0]!.insertRequest(request, [created], [auditNote(request, created)]);

    const results = await Promise.all(
      stores.map((store, i) => {
        const next = moved(request, { state: i % 2 === 0 ? 'approved' : 'denied', decidedBy: `U0REPLICA${i}` });
        const event = makeEvent(request, i % 2 === 0 ? 'request.approved' : 'request.denied', { actor: `U0REPLICA${i}` });
        return store.transition(request, next, [event], [auditNote(next, event)]);
      }),
    );

    const winners = results.filter((result) => result !== undefined);
    expect(winners).toHaveLength(1);
    expect(await stores[1]!.getRequest(request.id)).toEqual(winners[0]);
    const events = await stores[2]!.auditEvents(request.id);
    expect(events.map((event) => event.actor)).toEqual(['U0ACTOR', winners[0]!.decidedBy]);
    expect(await stores[3]!.pendingOutbox(100)).toHaveLength(2);
    expect(await stores[4]!.verifyAuditChain()).toMatchObject({ ok: true, rows: 2 });
  });

  it('appends_fromFourReplicasAtOnce_formOneValidChain_withEveryEvent', async () => {
    const stores = await replicas(4);
    const drift = (n: number): SystemEvent => ({ name: 'drift.orphan_closed', actor: 'system', at: NOW + n, detail: `rule ${n}` });

    await Promise.all(
      stores.map(async (store, r) => {
        for (let i = 0; i < 15; i++) {
          const request = makeRequest({ id: `r${r}n${i}x` });
          const created = makeEvent(request, 'request.created');
          const inserted = await store.insertRequest(request, [created], [auditNote(request, created)]);
          const { next, events, notes } = approvalOf(inserted);
          await Promise.all([store.transition(inserted, next, events, notes), store.recordSystemEvent(drift(r * 100 + i), [])]);
        }
      }),
    );

    expect(await stores[0]!.verifyAuditChain()).toMatchObject({ ok: true, rows: 4 * 15 * 3 });
    const events = await stores[1]!.auditEventsSince(0);
    expect(events).toHaveLength(180);
    expect(new Set(events.map((event) => `${event.name} ${'requestId' in event ? event.requestId : event.detail}`)).size).toBe(180);
  });

  it('claimOutbox_byFourReplicasAtOnce_handsEveryRowToOneWorker_inQueueOrder', async () => {
    const stores = await replicas(4);
    for (let i = 0; i < 20; i++) {
      const request = makeRequest({ id: `req${i}x` });
      const created = makeEvent(request, 'request.created');
      const approved = makeEvent(request, 'request.approved');
      await stores[0]!.insertRequest(
        request,
        [created, approved],
        [auditNote(request, created), dmNote(request, 'request.created'), auditNote(request, approved), dmNote(request, 'request.approved')],
      );
      const drift: SystemEvent = { name: 'drift.orphan_closed', actor: 'system', at: NOW, detail: `rule ${i}` };
      await stores[0]!.recordSystemEvent(drift, [{ kind: 'system', event: drift }]);
    }
    const all = await stores[0]!.pendingOutbox(1000);
    const owner = new Map<number, string>();
    const delivered: number[] = [];

    await Promise.all(
      stores.map(async (store, w) => {
        const worker = `replica-${w}`;
        for (let idle = 0; idle < 3; ) {
          const claimed = await store.claimOutbox(worker, NOW, 60_000, 3);
          idle = claimed.length === 0 ? idle + 1 : 0;
          for (const row of claimed) {
            expect(owner.get(row.id), `row ${row.id} claimed by ${worker}`).toBeUndefined();
            owner.set(row.id, worker);
          }
          for (const row of claimed) {
            delivered.push(row.id);
            await store.markDelivered(row.id, []);
          }
        }
      }),
    );

    expect(owner.size).toBe(all.length);
    expect(await stores[0]!.pendingOutbox(1000)).toEqual([]);
    // Each queue (a request's rows of one lane; the bot's own) was delivered oldest first.
    const queueKey = (row: (typeof all)[number]) => `${row.requestId ?? ''}/${laneOf(row.notification)}`;
    const queues = new Map<string, number[]>();
    for (const row of all) queues.set(queueKey(row), []);
    const queueOf = new Map(all.map((row) => [row.id, queueKey(row)]));
    for (const id of delivered) queues.get(queueOf.get(id)!)!.push(id);
    for (const ids of queues.values()) expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });
});
