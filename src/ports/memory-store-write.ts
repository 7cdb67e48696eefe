// One write of the memory store, staged: every row it adds is checked against
// the tables and against what the same write staged before it (an event may
// name a request inserted a moment earlier in the same batch, as it may in a
// SQLite transaction), and the tables change only in apply(), all at once. A
// check that fails throws before apply(), so a failed write leaves nothing
// behind and consumes no seq or outbox id, like a rolled-back transaction.

import { GENESIS, rowHash, storableEvent, type ChainRow } from '../domain/audit-chain.js';
import { laneOf, type Notification } from '../domain/notification.js';
import type { AccessRequest, AuditEvent, SystemEvent } from '../domain/types.js';
import { requestIdOf } from './notifier.js';
import {
  REQUEST_STATES,
  bindable,
  foreignKeyFailed,
  integer,
  json,
  oneOf,
  param,
  text,
  type OutboxRecord,
  type RequestRow,
  type Tables,
} from './memory-store-tables.js';

/** An event as the log stores it: a request's, or (requestId null) one of the bot itself. */
export type LoggedEvent = AuditEvent | (SystemEvent & { requestId: null });

/** The columns of a request row as the SQLite adapter derives them, bound but not yet checked. */
export interface RequestColumns {
  id: unknown;
  state: unknown;
  version: unknown;
  requester: unknown;
  vm: unknown;
  createdAt: unknown;
  endAt: unknown;
  /** Undefined when the request serialises to nothing (a toJSON that returns nothing): NULL, refused. */
  data: string | undefined;
}

/** Derives the columns; the JSON is made first, so a request that cannot be serialised fails here, as it does in SQLite. */
export function requestColumns(request: AccessRequest): RequestColumns {
  const columns = {
    id: request.id,
    state: request.state,
    version: request.version,
    requester: request.requester,
    vm: request.vm,
    createdAt: request.createdAt,
    endAt: request.endAt ?? null,
    data: JSON.stringify(request),
  };
  for (const value of Object.values(columns)) bindable(value);
  return columns;
}

/** The constraints of `requests`: STRICT types, NOT NULL, the state CHECK and json_valid. */
export function checkRequest(columns: RequestColumns): RequestRow {
  return {
    id: text('requests.id', columns.id),
    state: oneOf('requests.state', text('requests.state', columns.state), REQUEST_STATES),
    version: integer('requests.version', columns.version),
    requester: text('requests.requester', columns.requester),
    vm: text('requests.vm', columns.vm),
    createdAt: integer('requests.created_at', columns.createdAt),
    endAt: integer('requests.end_at', columns.endAt, true),
    data: text('requests.data', columns.data),
  };
}

export class StagedWrite {
  private readonly requests = new Map<string, RequestRow>();
  private readonly events: ChainRow[] = [];
  private readonly outbox: OutboxRecord[] = [];
  private head: string;
  private lastOutboxId: number;

  /** `now`: the store's clock, stamped on the outbox rows this write queues. */
  constructor(
    private readonly tables: Tables,
    private readonly now: number,
  ) {
    this.head = tables.events.at(-1)?.hash ?? GENESIS;
    // Ids are 1, 2, 3…: a row is never deleted, and a failed write never reaches the tables.
    this.lastOutboxId = tables.outbox.size;
  }

  /** Whether the request exists, in the tables or staged by this write. */
  hasRequest(id: string): boolean {
    return this.requests.has(id) || this.tables.requests.has(id);
  }

  /** The request row as this write sees it: staged by it, or in the tables. */
  request(id: string): RequestRow | undefined {
    return this.requests.get(id) ?? this.tables.requests.get(id);
  }

  /** Inserts a request, or replaces it in place (its position, SQLite's rowid, stays). */
  putRequest(row: RequestRow): void {
    this.requests.set(row.id, row);
  }

  /** Chains the events and queues the notifications, checking each as the SQLite adapter's inserts are checked. */
  sideEffects(events: LoggedEvent[], notifications: Notification[]): void {
    for (const event of events) this.logEvent(event);
    for (const notification of notifications) this.queue(notification);
  }

  apply(): void {
    for (const [id, row] of this.requests) this.tables.requests.set(id, row);
    this.tables.events.push(...this.events);
    for (const record of this.outbox) this.tables.outbox.set(record.id, record);
  }

  private logEvent(event: LoggedEvent): void {
    const previous = this.head;
    const storable = storableEvent(event);
    const given = { ...storable, detail: storable.detail ?? null };
    const values = ['requestId', 'name', 'actor', 'at', 'detail'].map((key) => param(given, key));
    for (const value of values) bindable(value);
    const [requestId, name, actor, at, detail] = values;
    const row = {
      requestId: text('audit_events.request_id', requestId, true),
      name: text('audit_events.name', name),
      actor: text('audit_events.actor', actor),
      at: integer('audit_events.at', at),
      detail: text('audit_events.detail', detail, true),
    };
    if (row.requestId !== null && !this.hasRequest(row.requestId)) throw foreignKeyFailed();
    const seq = this.tables.events.length + this.events.length + 1;
    // Hashed from the caller's values, as the SQLite adapter hashes them (a BigInt fails here, as it does there).
    const hash = rowHash({ ...given, seq }, previous);
    this.events.push({ seq, ...row, prevHash: previous, hash });
    this.head = hash;
  }

  private queue(notification: Notification): void {
    const requestId = text('outbox.request_id', requestIdOf(notification) ?? null, true);
    const serialised = json('outbox.notification', notification);
    const createdAt = integer('outbox.created_at', this.now);
    if (requestId !== null && !this.hasRequest(requestId)) throw foreignKeyFailed();
    this.outbox.push({
      id: ++this.lastOutboxId,
      requestId,
      lane: laneOf(notification),
      notification: serialised,
      attempts: 0,
      nextAttemptAt: 0,
      deliveredAt: null,
      lastError: null,
      claimedBy: null,
      claimedUntil: null,
      createdAt,
    });
  }
}
