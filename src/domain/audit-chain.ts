// The audit log as a hash chain: every row stores the hash of the row before it
// and its own hash over its content, position and that link. Editing a row
// changes its hash; deleting or reordering rows breaks the next row's link. The
// chain cannot stop someone with write access from rewriting every later hash
// too, but `verifyChain` then fails against any hash recorded earlier elsewhere
// (the audit channel posts are that second record).

import { createHash } from 'node:crypto';

export const GENESIS = '0'.repeat(64);

/** A lone UTF-16 surrogate, or U+0000. */
const UNSTORABLE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/g;

/**
 * An event's text as the chain hashes and stores it. A lone UTF-16 surrogate
 * (half of an emoji, cut) has no UTF-8 form, and PostgreSQL's text cannot hold
 * U+0000; each becomes U+FFFD before the row is hashed and written, in every
 * engine, so what was hashed is what reads back, the chain verifies, and a
 * database copied from one engine to another hashes the same. (Rows written
 * before U+0000 was replaced keep it, and still verify: the chain hashes what
 * is stored.)
 */
export function chainText<T>(value: T): T {
  return (typeof value === 'string' ? value.replace(UNSTORABLE, '\uFFFD') : value) as T;
}

/** The fields of an event that are text, made storable (chainText) before hashing and writing. */
export function storableEvent<E extends { name: string; actor: string; detail?: string | undefined }>(event: E): E {
  return { ...event, name: chainText(event.name), actor: chainText(event.actor), ...(event.detail === undefined ? {} : { detail: chainText(event.detail) }) };
}

export interface ChainRow {
  seq: number;
  /** NULL for an event of the bot itself (drift). */
  requestId: string | null;
  name: string;
  actor: string;
  at: number;
  detail: string | null;
  prevHash: string | null;
  hash: string | null;
}

export function rowHash(row: Omit<ChainRow, 'prevHash' | 'hash'>, prevHash: string): string {
  // A JSON array: unambiguous field boundaries whatever the text contains.
  const content = JSON.stringify([row.seq, row.requestId, row.name, row.actor, row.at, row.detail]);
  // One update of the joined text: the same bytes as the link, a newline and the content fed one by one.
  return createHash('sha256').update(`${prevHash}\n${content}`).digest('hex');
}

export type ChainVerdict =
  | { ok: true; rows: number; head: string }
  | { ok: false; rows: number; seq: number; problem: 'edited' | 'deleted_or_reordered_before' };

/** Walks the rows in `seq` order; names the first row that does not fit. */
export function verifyChain(rows: Iterable<ChainRow>): ChainVerdict {
  let previous = GENESIS;
  let count = 0;
  for (const row of rows) {
    count++;
    if (row.prevHash !== previous) return { ok: false, rows: count, seq: row.seq, problem: 'deleted_or_reordered_before' };
    if (row.hash !== rowHash(row, previous)) return { ok: false, rows: count, seq: row.seq, problem: 'edited' };
    previous = row.hash;
  }
  return { ok: true, rows: count, head: previous };
}
