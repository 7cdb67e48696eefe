// "Use my IP" links: a nonce works once, and the latest address a user's
// links recorded within the window is the one offered.

import { describe, expect, it } from 'vitest';
import type { Contract } from './engine.js';

export function sourceLinksContract(c: Contract): void {
  describe('source links', () => {
    it('recordSourceLink_worksOncePerNonce_andRecentSourceReturnsTheLatest', async () => {
      const store = await c.open();
      expect(await store.recordSourceLink('n1', 'UALICE', '198.51.100.7', 1000)).toBe(true);
      expect(await store.recordSourceLink('n1', 'UALICE', '203.0.113.9', 1001)).toBe(false);
      expect(await store.recordSourceLink('n2', 'UALICE', '2001:db8::7', 2000)).toBe(true);
      expect(await store.recentSource('UALICE', 0)).toBe('2001:db8::7');
      expect(await store.recentSource('UALICE', 2001)).toBeUndefined();
      expect(await store.recentSource('UBOB', 0)).toBeUndefined();
    });

    it('recordSourceLink_withAUsedNonce_writesNothing_evenForAnotherUser', async () => {
      const store = await c.open();
      expect(await store.recordSourceLink('n1', 'UALICE', '198.51.100.7', 1000)).toBe(true);

      expect(await store.recordSourceLink('n1', 'UBOB', '203.0.113.9', 5000)).toBe(false);

      expect(await store.recentSource('UBOB', 0)).toBeUndefined();
      expect(await store.recentSource('UALICE', 0)).toBe('198.51.100.7');
    });

    it('recentSource_picksTheLatestAtOrAfterSince_andTheLastRecordedOnATie', async () => {
      const store = await c.open();
      await store.recordSourceLink('n1', 'UALICE', '198.51.100.1', 3000);
      await store.recordSourceLink('n2', 'UALICE', '198.51.100.2', 3000);
      // Recorded later but used earlier: the time decides, not the order of recording.
      await store.recordSourceLink('n3', 'UALICE', '198.51.100.3', 2000);
      await store.recordSourceLink('n4', 'UBOB', '203.0.113.9', 4000);

      expect(await store.recentSource('UALICE', 0)).toBe('198.51.100.2');
      expect(await store.recentSource('UALICE', 3000)).toBe('198.51.100.2');
      expect(await store.recentSource('UALICE', 3001)).toBeUndefined();
    });
  });
}
