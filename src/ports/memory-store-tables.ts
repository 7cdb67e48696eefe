// The memory store's tables: rows shaped like the SQLite adapter's (the
// request, notification and overlay VM kept as JSON text, so what goes in and
// what comes out are copies), and the checks SQLite makes on every value it
// writes: STRICT column types, NOT NULL, CHECK and the binding rules of
// better-sqlite3. A value SQLite refuses is refused here, by the same kind of
// error, before anything is written. A value of the wrong type that SQLite
// would convert (a number into a TEXT column, digits into an INTEGER one) is
// refused too: the port's types never allow it, and converting it would only
// hide the caller's bug.

import type { ChainRow } from '../domain/audit-chain.js';
import type { RequestState } from '../domain/types.js';
import type { MessageRef } from './notifier.js';

export interface RequestRow {
  id: string;
  state: RequestState;
  version: number;
  requester: string;
  vm: string;
  createdAt: number;
  endAt: number | null;
  /** The whole request as JSON; the fields above are copies kept for filtering and ordering. */
  data: string;
}

export interface OutboxRecord {
  id: number;
  requestId: string | null;
  /** The queue within the request (schema 7): `laneOf(notification)`. */
  lane: string | null;
  notification: string;
  attempts: number;
  nextAttemptAt: number;
  deliveredAt: number | null;
  lastError: string | null;
  /** The worker delivering it, until when (schema 6); null when nobody is. */
  claimedBy: string | null;
  claimedUntil: number | null;
  /** When it was queued (schema 7), by the store's clock. */
  createdAt: number | null;
}

export interface PostRow {
  step: string;
  channel: string;
  claimedAt: number;
  ts: string | null;
}

export interface OverlayRow {
  name: string;
  vm: string;
  updatedBy: string;
  updatedAt: number;
}

export interface SourceLinkRow {
  user: string;
  address: string;
  usedAt: number;
}

/** Every table; a Map keeps insertion order, which is SQLite's rowid order here (no table reuses a rowid out of order). */
export interface Tables {
  requests: Map<string, RequestRow>;
  /** The audit log in seq order; seq n is at index n - 1 (rows are never deleted). */
  events: ChainRow[];
  outbox: Map<number, OutboxRecord>;
  /** By (request, role, channel), as the table's primary key. */
  refs: Map<string, MessageRef>;
  /** By outbox row, then step. */
  posts: Map<number, Map<string, PostRow>>;
  /** By name as NOCASE folds it. */
  overlay: Map<string, OverlayRow>;
  /** By nonce. */
  sourceLinks: Map<string, SourceLinkRow>;
  /** By name. */
  leases: Map<string, { holder: string; expiresAt: number }>;
}

export function emptyTables(): Tables {
  return {
    requests: new Map(),
    events: [],
    outbox: new Map(),
    refs: new Map(),
    posts: new Map(),
    overlay: new Map(),
    sourceLinks: new Map(),
    leases: new Map(),
  };
}

export const REQUEST_STATES: readonly RequestState[] = ['pending', 'approved', 'active', 'closing', 'closed', 'denied', 'cancelled', 'timed_out', 'failed'];
export const REF_ROLES: readonly MessageRef['role'][] = ['audit', 'approval'];

/** What better-sqlite3 can bind: anything else fails before the statement runs, whatever it would have matched. */
export function bindable(value: unknown): void {
  const type = typeof value;
  if (value === null || value === undefined || type === 'number' || type === 'string' || type === 'bigint' || value instanceof Uint8Array) return;
  throw new TypeError('SQLite3 can only bind numbers, strings, bigints, buffers, and null');
}

/** A named parameter taken from a caller's object: better-sqlite3 refuses an object that lacks one. */
export function param(source: object, key: string): unknown {
  if (!Object.hasOwn(source, key)) throw new RangeError(`Missing named parameter "${key}"`);
  return (source as Record<string, unknown>)[key];
}

/** The value SQLite receives: undefined and NaN bind as NULL. */
function bound(value: unknown): unknown {
  bindable(value);
  return value === undefined || (typeof value === 'number' && Number.isNaN(value)) ? null : value;
}

function storageClass(value: unknown): string {
  if (typeof value === 'string') return 'TEXT';
  // better-sqlite3 binds every JS number as REAL and a bigint as INTEGER.
  if (typeof value === 'number') return 'REAL';
  if (typeof value === 'bigint') return 'INTEGER';
  return 'BLOB';
}

const INT64 = 2n ** 63n;

export function text(column: string, value: unknown): string;
export function text(column: string, value: unknown, nullable: true): string | null;
export function text(column: string, value: unknown, nullable = false): string | null {
  const v = bound(value);
  if (v === null) return nullOr(column, nullable);
  if (typeof v === 'string') return asStored(v);
  throw new Error(`cannot store ${storageClass(v)} value in TEXT column ${column}`);
}

export function integer(column: string, value: unknown): number;
export function integer(column: string, value: unknown, nullable: true): number | null;
export function integer(column: string, value: unknown, nullable = false): number | null {
  const v = bound(value);
  if (v === null) return nullOr(column, nullable);
  if (typeof v === 'bigint' && v >= -INT64 && v < INT64) return Number(v);
  // An integral REAL is stored as the INTEGER it equals (and -0 as 0); any other REAL is refused.
  if (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63) return v + 0;
  throw new Error(`cannot store ${storageClass(v)} value in INTEGER column ${column}`);
}

/** A CHECK (column IN (…)) constraint. */
export function oneOf<T extends string>(column: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`CHECK constraint failed: ${column}`);
}

/** A JSON column (NOT NULL, CHECK json_valid): JSON.stringify throws on a BigInt or a cycle, and gives undefined (NULL) for nothing. */
export function json(column: string, value: unknown): string {
  return text(column, JSON.stringify(value));
}

function nullOr(column: string, nullable: boolean): null {
  if (nullable) return null;
  throw new Error(`NOT NULL constraint failed: ${column}`);
}

export function foreignKeyFailed(): Error {
  return new Error('FOREIGN KEY constraint failed');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A string as SQLite gives it back. Text goes in as UTF-8, where a lone
 * surrogate has no encoding: it is written as three bytes that are no valid
 * UTF-8 either, and each reads back as U+FFFD. (JSON text keeps it, escaped.)
 */
export function asStored(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD\uFFFD\uFFFD');
}

/** `column = ?` as SQL compares: NULL equals nothing; numbers compare by value; text as stored. */
export function sqlEquals(column: unknown, value: unknown): boolean {
  if (column === null || column === undefined || value === null || value === undefined) return false;
  if (typeof column === 'string' && typeof value === 'string') return asStored(column) === asStored(value);
  if ((typeof column === 'number' || typeof column === 'bigint') && (typeof value === 'number' || typeof value === 'bigint')) {
    // biome-ignore lint/suspicious/noDoubleEquals: a number and a bigint of the same value are equal in SQL.
    return column == value;
  }
  return column === value;
}

/** SQLite's BINARY collation: UTF-8 byte order, which is code point order (not JavaScript's UTF-16 order). */
export function compareBinary(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** A name as a NOCASE key compares it: SQLite's NOCASE folds ASCII letters only, so `É` and `é` stay two names. */
export function foldNoCase(name: string): string {
  return asStored(name).replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}

/** A NULL-first ascending comparison, as SQLite's ORDER BY sorts NULL before every number. */
export function compareNullsFirst(a: number | null, b: number | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  return a - b;
}
