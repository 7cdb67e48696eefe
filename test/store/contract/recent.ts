// Reads the replicas' jobs make: grants ending soon (the overdue watch's
// expiry warnings; by their times only, as arming the timers reads them too)
// and a requester's recent requests (the rate limit, counted in the database
// so it holds across replicas).

import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/ports/store.js';
import { seedRequest } from '../fixtures.js';
import type { Contract } from './engine.js';

export function recentContract(c: Contract): void {
  let store: Store;

  describe('grants ending soon, recent requests', () => {
    beforeEach(async () => {
      store = await c.open();
    });

    it('activeEnds_returnsActiveRequestsEndingByThen_asTheirTimesOnly_soonestFirst', async () => {
      await seedRequest(store, { id: 'late01', state: 'active', startAt: 100, endAt: 3000, expiryWarnedFor: 3000 });
      await seedRequest(store, { id: 'soon02', state: 'active', startAt: 200, endAt: 1000 });
      await seedRequest(store, { id: 'soon01', state: 'active', startAt: undefined, endAt: 1000 });
      await seedRequest(store, { id: 'gone01', state: 'closed', endAt: 500 });
      await seedRequest(store, { id: 'wait01', state: 'pending', endAt: 500 });
      await seedRequest(store, { id: 'over01', state: 'active', endAt: 9000 });
      await seedRequest(store, { id: 'none01', state: 'active', endAt: undefined });

      expect(await store.activeEnds(3000)).toEqual([
        { id: 'soon01', kind: 'grant', state: 'active', endAt: 1000 },
        { id: 'soon02', kind: 'grant', state: 'active', startAt: 200, endAt: 1000 },
        { id: 'late01', kind: 'grant', state: 'active', startAt: 100, endAt: 3000, expiryWarnedFor: 3000 },
      ]);
      expect((await store.activeEnds(Number.MAX_SAFE_INTEGER)).map((end) => end.id)).toEqual(['soon01', 'soon02', 'late01', 'over01']);
      expect(await store.activeEnds(999)).toEqual([]);
    });

    it('requestTimesSince_countsEachRequestOnce_aBatchOnce_andNoExtension', async () => {
      await seedRequest(store, { id: 'old001', requester: 'U1', createdAt: 1000 });
      await seedRequest(store, { id: 'one001', requester: 'U1', createdAt: 5000 });
      await seedRequest(store, { id: 'bat001', requester: 'U1', createdAt: 6000, batchId: 'bat001' });
      await seedRequest(store, { id: 'bat002', requester: 'U1', createdAt: 6000, batchId: 'bat001' });
      await seedRequest(store, { id: 'ext001', requester: 'U1', createdAt: 7000, kind: 'extension', extends: 'one001' });
      await seedRequest(store, { id: 'oth001', requester: 'U2', createdAt: 8000 });

      expect(await store.requestTimesSince('U1', 5000)).toEqual([5000, 6000]);
      expect(await store.requestTimesSince('U1', 0)).toEqual([1000, 5000, 6000]);
      expect(await store.requestTimesSince('U3', 0)).toEqual([]);
    });
  });
}
