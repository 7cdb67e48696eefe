// The in-memory twin of the Store port, for tests and demos: the SQLite
// adapter's behaviour (store/sqlite-store.ts is its specification, and one
// contract suite runs against both) without a file. Every write is checked
// whole before it changes anything (memory-store-write.ts), so it is stored
// whole or not at all, as a transaction is; no method awaits between its
// checks and its changes, so calls never interleave, as SQLite's IMMEDIATE
// transactions never do. Requests, notifications and overlay VMs are kept as
// JSON text, so callers get copies, and read back through withKind like the
// adapter's.

import { verifyChain, type ChainVerdict } from '../domain/audit-chain.js';
import { JitError, isJitError } from '../domain/errors.js';
import type { OverlayVm } from '../domain/policy/overlay.js';
import { notificationWithKind, withKind } from '../domain/request-kind.js';
import type { AccessRequest, AuditEvent, SystemEvent } from '../domain/types.js';
import { systemClock, type Clock } from './clock.js';
import { OutboxTable } from './memory-store-outbox.js';
import {
  asStored,
  bindable,
  compareBinary,
  compareNullsFirst,
  emptyTables,
  foldNoCase,
  integer,
  param,
  sqlEquals,
  text,
  type RequestRow,
} from './memory-store-tables.js';
import { SourceLinkTable } from './memory-store-source-links.js';
import { StagedWrite, checkRequest, requestColumns } from './memory-store-write.js';
import type { MessageRef, Notification, PostedStep, PostRecord } from './notifier.js';
import type { OutboxRecord } from './memory-store-tables.js';
import {
  type ActiveEnd,
  activeEndOf,
  outboxStatsOf,
  type Expected,
  type Lease,
  type NewRequest,
  type OutboxRow,
  type OutboxStats,
  type RequestFilter,
  type Store,
  type TransitionItem,
} from './store.js';

export interface MemoryStoreOptions {
  /** Stamps `delivered_at`, a post recorded without a claim and an outbox row's `created_at`, as in the SQLite adapter; the only clock this store reads. */
  clock?: Clock;
}

export class MemoryStore implements Store {
  private readonly tables = emptyTables();
  private readonly outbox: OutboxTable;
  private readonly sourceLinks: SourceLinkTable;
  private readonly clock: Clock;
  private closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.outbox = new OutboxTable(this.tables);
    this.sourceLinks = new SourceLinkTable(this.tables);
  }

  async insertRequest(request: AccessRequest, events: AuditEvent[], notifications: Notification[]): Promise<AccessRequest> {
    return this.guard('insert request', () => this.insertAll([{ request, events, notifications }])[0]!);
  }

  async insertRequests(items: NewRequest[]): Promise<AccessRequest[]> {
    return this.guard('insert requests', () => this.insertAll(items));
  }

  async getRequest(id: string): Promise<AccessRequest | undefined> {
    return this.guard('read request', () => {
      bindable(id);
      const row = typeof id === 'string' ? this.tables.requests.get(asStored(id)) : undefined;
      return row === undefined ? undefined : parseRequest(row);
    });
  }

  async transition(expected: Expected, next: AccessRequest, events: AuditEvent[], notifications: Notification[]): Promise<AccessRequest | undefined> {
    requireSameId(expected, next);
    return this.guard('change request', () => this.transitionAll([{ expected, next, events, notifications }])[0]);
  }

  async transitions(items: TransitionItem[]): Promise<Array<AccessRequest | undefined>> {
    for (const { expected, next } of items) requireSameId(expected, next);
    return this.guard('change requests', () => this.transitionAll(items));
  }

  async listRequests(filter: RequestFilter): Promise<AccessRequest[]> {
    return this.guard('list requests', () => {
      const tests: Array<(row: RequestRow, data: Record<string, unknown>) => boolean> = [];
      if (filter.requester !== undefined) tests.push((row) => sqlEquals(row.requester, filter.requester));
      if (filter.states !== undefined) {
        // The SQLite adapter passes the list as JSON to json_each; an empty list matches nothing.
        const states = jsonEach(JSON.parse(JSON.stringify(filter.states)));
        tests.push((row) => states.some((state) => state === row.state));
      }
      if (filter.vm !== undefined) tests.push((row) => sqlEquals(row.vm, filter.vm));
      if (filter.batchId !== undefined) tests.push((_row, data) => sqlEquals(data.batchId, filter.batchId));
      if (filter.extends !== undefined) tests.push((_row, data) => sqlEquals(data.extends, filter.extends));
      for (const value of [filter.requester, filter.vm, filter.batchId, filter.extends]) bindable(value);
      const rows = [...this.tables.requests.values()].filter((row) => {
        const data = JSON.parse(row.data) as Record<string, unknown>;
        return tests.every((test) => test(row, data));
      });
      // A batch lists in the order it was asked for (insertion order), leader first; the rest newest first.
      if (filter.batchId === undefined) rows.sort((a, b) => b.createdAt - a.createdAt || compareBinary(b.id, a.id));
      return rows.map(parseRequest);
    });
  }

  async dueForClose(now: number): Promise<AccessRequest[]> {
    return this.guard('read requests due for close', () => {
      bindable(now);
      // Most overdue first, an active row without an end time before all (SQLite sorts NULL first).
      const due = [...this.tables.requests.values()].filter(
        (row) => (row.state === 'active' && (row.endAt === null || row.endAt <= now)) || row.state === 'closing',
      );
      return due.sort((a, b) => compareNullsFirst(a.endAt, b.endAt) || compareBinary(a.id, b.id)).map(parseRequest);
    });
  }

  async auditEvents(requestId?: string): Promise<AuditEvent[]> {
    return this.guard('read audit events', () => {
      bindable(requestId);
      const rows = this.tables.events.filter((row) => (requestId === undefined ? row.requestId !== null : sqlEquals(row.requestId, requestId)));
      return rows.map(({ requestId, name, actor, at, detail }) => ({
        requestId,
        name,
        actor,
        at,
        ...(detail === null ? {} : { detail }),
      })) as AuditEvent[];
    });
  }

  async recordSystemEvent(event: SystemEvent, notifications: Notification[]): Promise<void> {
    this.guard('record a system event', () => {
      const write = new StagedWrite(this.tables, this.clock.now());
      write.sideEffects([{ ...event, requestId: null }], notifications);
      write.apply();
    });
  }

  async systemEvents(): Promise<SystemEvent[]> {
    return this.guard('read system events', () =>
      this.tables.events
        .filter((row) => row.requestId === null)
        .map(({ name, actor, at, detail }) => ({ name, actor, at, detail: detail ?? '' }) as SystemEvent),
    );
  }

  async auditEventsSince(at: number): Promise<Array<AuditEvent | SystemEvent>> {
    return this.guard('read audit events', () => {
      bindable(at);
      return this.tables.events
        .filter((row) => row.at >= at)
        .map(
          ({ requestId, name, actor, at, detail }) =>
            ({ name, actor, at, ...(requestId === null ? {} : { requestId }), ...(detail === null ? {} : { detail }) }) as AuditEvent | SystemEvent,
        );
    });
  }

  async verifyAuditChain(): Promise<ChainVerdict> {
    return this.guard('verify the audit chain', () => verifyChain(this.tables.events));
  }

  async saveOverlayVm(entry: OverlayVm, event: SystemEvent, notifications: Notification[]): Promise<void> {
    this.guard('save a policy overlay entry', () => {
      const given = { ...entry, vm: JSON.stringify(entry.vm) };
      const values = ['name', 'vm', 'updatedBy', 'updatedAt'].map((key) => param(given, key));
      for (const value of values) bindable(value);
      const [name, vm, updatedBy, updatedAt] = values;
      const row = {
        name: text('policy_overlay.name', name),
        vm: text('policy_overlay.vm', vm),
        updatedBy: text('policy_overlay.updated_by', updatedBy),
        updatedAt: integer('policy_overlay.updated_at', updatedAt),
      };
      const write = new StagedWrite(this.tables, this.clock.now());
      write.sideEffects([{ ...event, requestId: null }], notifications);
      write.apply();
      // An edit keeps its entry's place (the upsert keeps the rowid), under the name as last saved.
      this.tables.overlay.set(foldNoCase(row.name), row);
    });
  }

  async overlayVms(): Promise<OverlayVm[]> {
    return this.guard('read the policy overlay', () =>
      [...this.tables.overlay.values()].map((row) => ({ ...row, vm: JSON.parse(row.vm) as Record<string, unknown> })),
    );
  }

  async retireOverlayVm(name: string): Promise<boolean> {
    return this.guard('retire a policy overlay entry', () => {
      bindable(name);
      return typeof name === 'string' && this.tables.overlay.delete(foldNoCase(name));
    });
  }

  async pendingOutbox(limit: number): Promise<OutboxRow[]> {
    return this.guard('read outbox', () => this.outbox.pending(limit).map(outboxRowOf));
  }

  async claimOutbox(worker: string, now: number, leaseMs: number, limit: number): Promise<OutboxRow[]> {
    return this.guard('claim outbox rows', () => this.outbox.claimHeads(worker, now, leaseMs, limit).map(outboxRowOf));
  }

  async outboxStats(now: number): Promise<OutboxStats> {
    return this.guard('count the outbox', () => outboxStatsOf(this.outbox.stats(), now));
  }

  async acquireLease(name: string, holder: string, now: number, ttlMs: number): Promise<Lease> {
    return this.guard(`take the ${name} lease`, () => {
      const current = this.tables.leases.get(name);
      if (current === undefined || current.holder === holder || current.expiresAt <= now) {
        this.tables.leases.set(name, { holder: text('leases.holder', holder), expiresAt: integer('leases.expires_at', now + ttlMs) });
      }
      return { name, ...this.tables.leases.get(name)! };
    });
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    this.guard(`release the ${name} lease`, () => {
      if (this.tables.leases.get(name)?.holder === holder) this.tables.leases.delete(name);
    });
  }

  async currentLease(name: string, now: number): Promise<Lease | undefined> {
    return this.guard(`read the ${name} lease`, () => {
      const lease = this.tables.leases.get(name);
      return lease !== undefined && lease.expiresAt > now ? { name, ...lease } : undefined;
    });
  }

  async activeEnds(at: number): Promise<ActiveEnd[]> {
    return this.guard('read the ends of active requests', () => {
      bindable(at);
      return [...this.tables.requests.values()]
        .filter((row) => row.state === 'active' && row.endAt !== null && row.endAt <= at)
        .sort((a, b) => (a.endAt ?? 0) - (b.endAt ?? 0) || compareBinary(a.id, b.id))
        .map((row) => {
          const data = JSON.parse(row.data) as { kind?: string; extends?: string; startAt?: number; expiryWarnedFor?: number };
          const { startAt, expiryWarnedFor } = data;
          return activeEndOf({
            id: row.id,
            kind: data.kind ?? null,
            extends: data.extends ?? null,
            state: row.state,
            endAt: row.endAt!,
            startAt,
            expiryWarnedFor,
          });
        });
    });
  }

  async requestTimesSince(requester: string, since: number): Promise<number[]> {
    return this.guard('count recent requests', () => {
      bindable(requester);
      bindable(since);
      const counted = [...this.tables.requests.values()].filter((row) => {
        if (!sqlEquals(row.requester, requester) || row.createdAt < since) return false;
        const data = JSON.parse(row.data) as { extends?: unknown; batchId?: unknown };
        // A batch counts once (its leader's id is its batchId); extension requests not at all.
        return data.extends === undefined && (data.batchId === undefined || data.batchId === row.id);
      });
      return counted.map((row) => row.createdAt).sort((a, b) => a - b);
    });
  }

  async markDelivered(rowId: number, refs: MessageRef[], posts: PostedStep[] = []): Promise<void> {
    this.guard('mark outbox row delivered', () => this.outbox.markDelivered(rowId, refs, this.clock.now(), posts));
  }

  async markRetry(rowId: number, error: string, nextAttemptAt: number): Promise<void> {
    this.guard('mark outbox row for retry', () => this.outbox.markRetry(rowId, error, nextAttemptAt));
  }

  async messageRefs(requestId: string): Promise<MessageRef[]> {
    return this.guard('read message refs', () => this.outbox.refsOf(requestId));
  }

  async outboxPosts(rowId: number): Promise<PostRecord[]> {
    return this.guard('read outbox posts', () => this.outbox.postsOf(rowId));
  }

  async claimPost(rowId: number, step: string, channel: string, at: number): Promise<void> {
    this.guard('claim an outbox post', () => this.outbox.claim(rowId, step, channel, at));
  }

  async recordPost(rowId: number, step: string, channel: string, ts: string): Promise<void> {
    this.guard('record an outbox post', () => this.outbox.record(rowId, step, channel, ts, this.clock.now()));
  }

  async recordSourceLink(nonce: string, user: string, address: string, at: number): Promise<boolean> {
    return this.guard('record a source link', () => this.sourceLinks.record(nonce, user, address, at));
  }

  async recentSource(user: string, since: number): Promise<string | undefined> {
    return this.guard('read a recorded source', () => this.sourceLinks.recent(user, since));
  }

  async ping(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /**
   * Every compare-and-swap in one staged write, in order (a later item sees an
   * earlier one's row), stored all at once or, when a check throws, not at all.
   */
  private transitionAll(items: TransitionItem[]): Array<AccessRequest | undefined> {
    const write = new StagedWrite(this.tables, this.clock.now());
    const stored = items.map(({ expected, next, events, notifications }) => {
      // The stored snapshot carries the bumped version, so the caller's next CAS can use it.
      const columns = requestColumns({ ...next, version: expected.version + 1 });
      bindable(expected.state);
      bindable(expected.version);
      const current = typeof columns.id === 'string' ? write.request(asStored(columns.id)) : undefined;
      // Lost the race: nothing is checked or written, as an UPDATE that matches no row checks nothing.
      if (current === undefined || !sqlEquals(current.state, expected.state) || !sqlEquals(current.version, expected.version)) return undefined;
      const row = { ...checkRequest(columns), version: current.version + 1 };
      write.putRequest(row);
      write.sideEffects(events, notifications);
      return row;
    });
    write.apply();
    return stored.map((row) => (row === undefined ? undefined : parseRequest(row)));
  }

  /** Inserts every item or none: all are checked (duplicates among them too) before any is stored. */
  private insertAll(items: NewRequest[]): AccessRequest[] {
    const write = new StagedWrite(this.tables, this.clock.now());
    const stored = items.map(({ request, events, notifications }) => {
      const row = checkRequest(requestColumns(request));
      if (write.hasRequest(row.id)) throw new JitError('jit_store_failed', 'request id already exists', { cause: 'duplicate_id' });
      write.putRequest(row);
      write.sideEffects(events, notifications);
      return row;
    });
    write.apply();
    return stored.map(parseRequest);
  }

  /** Callers see one error code for every storage failure, with the same wording as the SQLite adapter's. */
  private guard<T>(what: string, work: () => T): T {
    try {
      // The SQLite adapter's error once its connection is closed.
      if (this.closed) throw new TypeError('The database connection is not open');
      return work();
    } catch (error) {
      throw isJitError(error) ? error : storeError(`could not ${what}`, error);
    }
  }
}

/** Requests stored before kinds existed read as the kind their fields make them. */
function parseRequest(row: RequestRow): AccessRequest {
  return withKind(JSON.parse(row.data) as AccessRequest);
}

/** The values json_each yields: an array's elements, an object's values, or a scalar itself. */
function jsonEach(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value !== null && typeof value === 'object' ? Object.values(value) : [value];
}

function requireSameId(expected: Expected, next: AccessRequest): void {
  if (next.id !== expected.id) throw new JitError('jit_store_failed', `transition of request ${expected.id} was given request ${next.id}`);
}

function storeError(what: string, error: unknown): JitError {
  const why = error instanceof Error ? error.message : String(error);
  return new JitError('jit_store_failed', `${what}: ${why}`, { cause: error });
}

function outboxRowOf({ id, requestId, notification, attempts, nextAttemptAt, lastError }: OutboxRecord): OutboxRow {
  return {
    id,
    attempts,
    nextAttemptAt,
    notification: notificationWithKind(JSON.parse(notification) as Notification),
    ...(requestId === null ? {} : { requestId }),
    ...(lastError === null ? {} : { lastError }),
  };
}
