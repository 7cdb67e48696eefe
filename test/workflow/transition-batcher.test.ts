// The transitions asked for in one tick are written MAX_BATCH to a
// transaction, and a turn of the event loop runs between two transactions, so
// 10,000 grants ending together do not hold the thread (and the timers of the
// next expiries, and the firewall's answers) for the whole write.

import { describe, expect, it } from 'vitest';
import type { AccessRequest } from '../../src/domain/types.js';
import type { TransitionItem } from '../../src/ports/store.js';
import { MAX_BATCH, TransitionBatcher } from '../../src/workflow/transition-batcher.js';

function item(i: number): TransitionItem {
  const next = { id: `r${i}`, state: 'closed', version: 1 } as unknown as AccessRequest;
  return { expected: { id: next.id, state: 'active', version: 1 }, next, events: [], notifications: [] };
}

describe('TransitionBatcher', () => {
  it('manyItemsInOneTick_areWrittenMaxBatchAtATime_withATurnOfTheEventLoopBetween', async () => {
    const log: string[] = [];
    const store = {
      transition: async () => {
        throw new Error('no single writes expected');
      },
      transitions: async (items: TransitionItem[]) => {
        log.push(`transaction of ${items.length}`);
        // What waits for the next turn of the event loop (a timer, an I/O callback) runs before the next transaction.
        setImmediate(() => log.push('turn'));
        return items.map((i) => i.next);
      },
    };
    const batcher = new TransitionBatcher(store);
    const count = 2 * MAX_BATCH + 2;

    const stored = await Promise.all(Array.from({ length: count }, (_, i) => batcher.write(item(i))));

    expect(stored.map((r) => r?.id)).toEqual(Array.from({ length: count }, (_, i) => `r${i}`));
    expect(log.slice(0, 5)).toEqual([`transaction of ${MAX_BATCH}`, 'turn', `transaction of ${MAX_BATCH}`, 'turn', 'transaction of 2']);
  });
});
