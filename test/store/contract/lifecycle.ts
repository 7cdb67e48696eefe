// The lifecycle /healthz sees: alive while open, not once closed.

import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/ports/store.js';
import type { Contract } from './engine.js';

export function lifecycleContract(c: Contract): void {
  let store: Store;

  describe('liveness', () => {
    beforeEach(async () => {
      store = await c.open();
    });

    it('ping_whenOpen_returnsTrue', async () => {
      expect(await store.ping()).toBe(true);
    });

    it('ping_afterClose_returnsFalse', async () => {
      store.close();
      expect(await store.ping()).toBe(false);
      store.close();
    });
  });
}
