// Shared by the sink tests: chained rows as the stores write them, and polling.

import { GENESIS, rowHash, type ChainRow } from '../../src/domain/audit-chain.js';

export const T0 = Date.UTC(2026, 11, 5, 10, 0, 0);

/** `count` rows of one chain, hashed as the stores hash them. */
export function chainRows(count: number, from = 1, previous = GENESIS): ChainRow[] {
  const rows: ChainRow[] = [];
  for (let seq = from; seq < from + count; seq++) {
    const row = {
      seq,
      requestId: seq % 3 === 0 ? null : `req${seq}`,
      name: seq % 3 === 0 ? 'drift.orphan_closed' : 'grant.opened',
      actor: 'U1',
      at: T0 + seq,
      detail: `detail "${seq}" ]`,
    };
    const hash = rowHash(row, previous);
    rows.push({ ...row, prevHash: previous, hash });
    previous = hash;
  }
  return rows;
}

/** Polls until `check` holds; fails after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
