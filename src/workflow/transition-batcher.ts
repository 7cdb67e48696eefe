// Gathers the compare-and-swap transitions asked for in one tick and writes
// them with `store.transitions` calls of up to MAX_BATCH: one transaction (one
// commit, one fsync, one audit-chain lock) for many grants that end together,
// instead of one each, a turn of the event loop between two of them. Every caller still gets its own outcome: its stored request, or
// undefined when its row had moved on. Callers hold their own request's lock
// while they wait, as for a single transition, so the per-request guarantee
// is unchanged. When the batch as a whole fails (one bad row, a lost
// connection), nothing of it was stored, and each item is tried again on its
// own, so one item's failure is that item's alone.

import type { AccessRequest } from '../domain/types.js';
import type { RequestStore, TransitionItem } from '../ports/store.js';

/**
 * Items per transaction: bounds how long one write holds the database (and,
 * on PostgreSQL, the audit-chain lock) and, SQLite being synchronous, the
 * event loop: a turn of it runs between two transactions of one tick's items.
 */
export const MAX_BATCH = 500;

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
        this.flushInTurns(waiting);
      });
    });
  }

  /**
   * One transaction of MAX_BATCH now, the rest on later turns of the event
   * loop: 10,000 grants ending together must not hold the thread for the
   * whole write while timers (the next expiries) and I/O (the firewall's
   * answers) wait behind it.
   */
  private flushInTurns(waiting: Waiting[]): void {
    void this.flush(waiting.length > MAX_BATCH ? waiting.slice(0, MAX_BATCH) : waiting);
    if (waiting.length > MAX_BATCH) setImmediate(() => this.flushInTurns(waiting.slice(MAX_BATCH)));
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
