// How both store adapters (SQLite, PostgreSQL) turn rows into what the Store
// port returns, and the one limit they put on what they write.

import { notificationWithKind, withKind } from '../domain/request-kind.js';
import type { AccessRequest } from '../domain/types.js';
import type { Notification } from '../ports/notifier.js';
import type { OutboxRow } from '../ports/store.js';

/** An outbox row as both engines select it: the notification as JSON text, absent fields as NULL. */
export type OutboxDbRow = Omit<OutboxRow, 'notification' | 'requestId' | 'lastError'> & {
  notification: string;
  requestId: string | null;
  lastError: string | null;
};

const MAX_ERROR_LENGTH = 500;

export function parseOutboxRow({ notification, lastError, requestId, ...row }: OutboxDbRow): OutboxRow {
  return {
    ...row,
    notification: notificationWithKind(JSON.parse(notification) as Notification),
    ...(requestId === null ? {} : { requestId }),
    ...(lastError === null ? {} : { lastError }),
  };
}

/** A stored request's JSON; requests stored before kinds existed read as the kind their fields make them. */
export function parseRequestData(data: string): AccessRequest {
  return withKind(JSON.parse(data) as AccessRequest);
}

/**
 * The request as a row written from it reads back, without parsing back the
 * JSON just written: `written` itself when JSON gives back exactly it (the
 * same keys, in the same order, with the same values), else `data` parsed.
 */
export function readBackOf(written: AccessRequest, data: string): AccessRequest {
  return written.kind !== undefined && isExactJson(written, 0) ? written : parseRequestData(data);
}

/**
 * Whether `JSON.parse(JSON.stringify(value))` is a tree equal to `value`:
 * only plain objects and arrays (no holes) holding strings, booleans, null and
 * finite numbers other than -0; no undefined (a key JSON drops) anywhere.
 */
export function isExactJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (depth > MAX_EXACT_DEPTH) return false;
      const proto = Object.getPrototypeOf(value);
      if (proto === Array.prototype) {
        const array = value as unknown[];
        for (let i = 0; i < array.length; i++) if (!(i in array) || !isExactJson(array[i], depth + 1)) return false;
        return Object.keys(array).length === array.length;
      }
      if (proto !== Object.prototype && proto !== null) return false;
      // for...in: own enumerable string keys here (a plain object inherits none), in JSON's order.
      for (const key in value) if (!isExactJson((value as Record<string, unknown>)[key], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

/** Deeper than any request: past it, the JSON is parsed back instead. */
const MAX_EXACT_DEPTH = 16;

/** Keeps long error bodies out of the outbox; never splits a surrogate pair. */
export function truncateError(text: string): string {
  if (text.length <= MAX_ERROR_LENGTH) return text;
  const cut = text.slice(0, MAX_ERROR_LENGTH);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}
