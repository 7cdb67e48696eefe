// Gathers the compare-and-swap transitions asked for in one tick and writes
// them with one `store.transitions` call: one transaction (one commit, one
// fsync, one audit-chain lock) for the grants that end together, instead of
// one each. Every caller still gets its own outcome: its stored request, or
// undefined when its row had moved on. Callers hold their own request's lock
// while they wait, as for a single transition, so the per-request guarantee
// is unchanged. When the batch as a whole fails (one bad row, a lost
// connection), nothing of it was stored, and each item is tried again on its
// own, so one item's failure is that item's alone.

import type { AccessRequest } from '../domain/types.js';
import type { RequestStore, TransitionItem } from '../ports/store.js';

/** Items per transaction: bounds how long one write holds the database (and, on PostgreSQL, the audit-chain lock). */
export const MAX_BATCH = 2000;

type Waiting = { item: TransitionItem; resolve: (stored: AccessRequest | undefined) => void; reject: (error: unknown) => void };

export class TransitionBatcher {
  private queue: Waiting[] = [];
  private scheduled = false;

  constructor(private readonly store: Pick<RequestStore, 'transition' | 'transitions'>) {}

  /** Resolves as `store.transition` would for this item. */
  write(item: TransitionItem): Promise<AccessRequest | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // Everything asked for in this tick (and its microtasks) joins the batch.
      setImmediate(() => {
        this.scheduled = false;
        const waiting = this.queue;
        this.queue = [];
        for (let i = 0; i < waiting.length; i += MAX_BATCH) void this.flush(waiting.slice(i, i + MAX_BATCH));
      });
    });
  }

  private async flush(waiting: Waiting[]): Promise<void> {
    if (waiting.length > 1) {
      try {
        const stored = await this.store.transitions(waiting.map((w) => w.item));
        waiting.forEach((w, i) => w.resolve(stored[i]));
        return;
      } catch {
        // Rolled back whole: each on its own below, so each caller learns its own outcome.
      }
    }
    for (const { item, resolve, reject } of waiting) {
      this.store.transition(item.expected, item.next, item.events, item.notifications).then(resolve, reject);
    }
  }
}
