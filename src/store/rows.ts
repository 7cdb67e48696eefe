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

/** Keeps long error bodies out of the outbox; never splits a surrogate pair. */
export function truncateError(text: string): string {
  if (text.length <= MAX_ERROR_LENGTH) return text;
  const cut = text.slice(0, MAX_ERROR_LENGTH);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}
