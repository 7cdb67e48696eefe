// Leases (schema 6): which replica runs the jobs only one may run. A lease is
// held until it runs out; its holder renews it; anyone takes it once it ran
// out or was released.

import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/ports/store.js';
import type { Contract } from './engine.js';

const NOW = 1_800_000_000_000;
const TTL = 3000;

export function leasesContract(c: Contract): void {
  let store: Store;

  describe('leases', () => {
    beforeEach(async () => {
      store = await c.open();
    });

    it('acquireLease_aFreeLease_isTaken', async () => {
      expect(await store.acquireLease('scheduler', 'replica-a', NOW, TTL)).toEqual({ name: 'scheduler', holder: 'replica-a', expiresAt: NOW + TTL });
      expect(await store.currentLease('scheduler', NOW)).toEqual({ name: 'scheduler', holder: 'replica-a', expiresAt: NOW + TTL });
    });

    it('acquireLease_heldByAnother_isRefused_andSaysWhoHoldsIt', async () => {
      await store.acquireLease('scheduler', 'replica-a', NOW, TTL);

      expect(await store.acquireLease('scheduler', 'replica-b', NOW + TTL - 1, TTL)).toEqual({ name: 'scheduler', holder: 'replica-a', expiresAt: NOW + TTL });
    });

    it('acquireLease_byItsHolder_renewsIt', async () => {
      await store.acquireLease('scheduler', 'replica-a', NOW, TTL);

      expect(await store.acquireLease('scheduler', 'replica-a', NOW + 1000, TTL)).toEqual({
        name: 'scheduler',
        holder: 'replica-a',
        expiresAt: NOW + 1000 + TTL,
      });
    });

    it('acquireLease_thatRanOut_isTakenByAnother', async () => {
      await store.acquireLease('scheduler', 'replica-a', NOW, TTL);

      expect(await store.currentLease('scheduler', NOW + TTL)).toBeUndefined();
      expect(await store.acquireLease('scheduler', 'replica-b', NOW + TTL, TTL)).toEqual({ name: 'scheduler', holder: 'replica-b', expiresAt: NOW + 2 * TTL });
    });

    it('releaseLease_byItsHolder_freesIt_byAnother_changesNothing', async () => {
      await store.acquireLease('scheduler', 'replica-a', NOW, TTL);

      await store.releaseLease('scheduler', 'replica-b');
      expect((await store.currentLease('scheduler', NOW))?.holder).toBe('replica-a');

      await store.releaseLease('scheduler', 'replica-a');
      expect(await store.currentLease('scheduler', NOW)).toBeUndefined();
      expect((await store.acquireLease('scheduler', 'replica-b', NOW, TTL)).holder).toBe('replica-b');
    });

    it('leases_ofDifferentNames_areIndependent', async () => {
      await store.acquireLease('scheduler', 'replica-a', NOW, TTL);

      expect((await store.acquireLease('other', 'replica-b', NOW, TTL)).holder).toBe('replica-b');
    });

    it('acquireLease_concurrentCandidates_exactlyOneWins', async () => {
      const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((holder) => store.acquireLease('scheduler', holder, NOW, TTL)));

      const holders = new Set(results.map((lease) => lease.holder));
      expect(holders.size).toBe(1);
      expect((await store.currentLease('scheduler', NOW))?.holder).toBe([...holders][0]);
    });
  });
}
