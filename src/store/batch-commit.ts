// Several compare-and-swap transitions in one SQLite transaction: the grants
// that end together are marked closing (and later closed) with one commit,
// one fsync, instead of one each. Each item runs the body of the store's own
// single transition (`one`), so it is exactly the write `transition` makes:
// its CAS, its audit events chained in order, its outbox rows. No savepoint
// per item: the CAS is the item's first write and decides alone whether it
// writes anything, so a lost CAS writes nothing and yields undefined in its
// slot (a later item of the same request sees the earlier one's write and
// loses, as a second writer would); any throw rolls the whole batch back,
// so nothing is left half-written either way. The savepoint each item used to
// open (and the chain head each nested item read back from the file) was a
// third of a batch's cost (BENCHMARKS.md, row 4).

import type { Database } from 'better-sqlite3';
import { JitError } from '../domain/errors.js';
import type { AccessRequest } from '../domain/types.js';
import type { TransitionItem } from '../ports/store.js';

type TransitionOne = (item: TransitionItem) => AccessRequest | undefined;

/** The batch as one IMMEDIATE transaction around `one`, the body of the store's single transition (not itself a transaction). */
export function batchTransitions(db: Database, one: TransitionOne): (items: TransitionItem[]) => Array<AccessRequest | undefined> {
  return db.transaction((items: TransitionItem[]) => items.map(one)).immediate;
}

/** The same guard `transition` applies, for every item, before anything is written. */
export function checkBatch(items: readonly TransitionItem[]): void {
  for (const { expected, next } of items) {
    if (next.id !== expected.id) throw new JitError('jit_store_failed', `transition of request ${expected.id} was given request ${next.id}`);
  }
}
