// The SQLite adapter for the `Store` port. better-sqlite3 is synchronous, so a
// transaction never interleaves with other code in this process; across
// processes (or a second connection) the compare-and-swap in `transition` is
// what keeps two writers from both winning.

import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database, Statement } from 'better-sqlite3';
import { JitError, isJitError } from '../domain/errors.js';
import type { OverlayVm } from '../domain/policy/overlay.js';
import type { AccessRequest, AuditEvent, SystemEvent } from '../domain/types.js';
import { systemClock } from '../ports/clock.js';
import { laneOf } from '../domain/notification.js';
import { requestIdOf } from '../ports/notifier.js';
import type { Clock } from '../ports/clock.js';
import { outboxStatsOf, type Expected, type Lease, type NewRequest, type OutboxRow, type OutboxStats, type RequestFilter, type Store } from '../ports/store.js';
import type { MessageRef, Notification, PostRecord } from '../ports/notifier.js';
import { GENESIS, rowHash, storableEvent, verifyChain, type ChainVerdict } from '../domain/audit-chain.js';
import { migrate } from './migrate.js';
import { migrations } from './migrations/index.js';
import { prepareOverlayStatements } from './overlay-statements.js';
import { prepareReplicaStatements } from './replica-statements.js';
import { parseOutboxRow, parseRequestData, truncateError } from './rows.js';
import { prepareStatements, type DataRow, type RequestColumns } from './statements.js';

export interface SqliteStoreOptions {
  /** Stamps `delivered_at` and an outbox row's `created_at`; the only clock this adapter reads. */
  clock?: Clock;
}

const BUSY_TIMEOUT_MS = 5000;

export class SqliteStore implements Store {
  private readonly sql;
  private readonly replicas;
  private readonly listCache = new Map<string, Statement<unknown[], DataRow>>();
  private readonly insertTx;
  private readonly insertManyTx;
  private readonly transitionTx;
  private readonly deliveredTx;
  private readonly systemEventTx;
  private readonly overlay;
  private readonly overlayTx;

  /** Opens (creating file and directory when missing) and migrates; `':memory:'` for a throwaway one. */
  static open(file: string, options: SqliteStoreOptions = {}): SqliteStore {
    const memory = file === ':memory:' || file === '';
    let db: Database;
    try {
      if (!memory) fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      db = new BetterSqlite3(file, { timeout: BUSY_TIMEOUT_MS });
    } catch (error) {
      throw storeError(`could not open ${file}`, error);
    }
    try {
      // busy_timeout first, so the WAL switch itself waits out another opener.
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      // WAL: the outbox worker and /healthz read while a transition writes.
      if (!memory) db.pragma('journal_mode = WAL');
      // NORMAL is durable across application crashes in WAL mode; only a power
      // loss can drop the last commits, and startup reconciliation repairs that.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, migrations);
      return new SqliteStore(db, options.clock ?? systemClock);
    } catch (error) {
      db.close();
      throw isJitError(error) ? error : storeError(`could not open ${file}`, error);
    }
  }

  private constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {
    this.sql = prepareStatements(db);
    this.replicas = prepareReplicaStatements(db);
    // Every write runs IMMEDIATE: the write lock is taken at BEGIN, so a busy
    // database is waited out by busy_timeout instead of failing on a lock upgrade.
    const insertOne = (request: AccessRequest, events: AuditEvent[], notes: Notification[]): AccessRequest => {
      const row = toColumns(request);
      if (this.sql.insertRequest.run(row).changes === 0) {
        throw new JitError('jit_store_failed', 'request id already exists', { cause: 'duplicate_id' });
      }
      this.writeSideEffects(events, notes);
      return parseRequest(row);
    };
    this.insertTx = db.transaction(insertOne).immediate;
    // A throw from any member rolls back every member before it: a batch is stored whole or not at all.
    this.insertManyTx = db.transaction((items: NewRequest[]) =>
      items.map(({ request, events, notifications }) => insertOne(request, events, notifications)),
    ).immediate;
    this.transitionTx = db.transaction((expected: Expected, next: AccessRequest, events: AuditEvent[], notes: Notification[]) => {
      // The stored snapshot carries the bumped version, so the caller's next CAS can use it.
      const row = toColumns({ ...next, version: expected.version + 1 });
      const swap = { ...row, expected_state: expected.state, expected_version: expected.version };
      // Lost the race: return before writing anything, so nothing is announced twice.
      if (this.sql.transition.run(swap).changes !== 1) return undefined;
      this.writeSideEffects(events, notes);
      return parseRequest(row);
    }).immediate;
    this.systemEventTx = db.transaction((event: SystemEvent, notes: Notification[]) => {
      this.writeSideEffects([{ ...event, requestId: null }], notes);
    }).immediate;
    this.overlay = prepareOverlayStatements(db);
    // A policy edit and its audit event are stored together or not at all.
    this.overlayTx = db.transaction((entry: OverlayVm, event: SystemEvent, notes: Notification[]) => {
      this.overlay.save(entry);
      this.writeSideEffects([{ ...event, requestId: null }], notes);
    }).immediate;
    this.deliveredTx = db.transaction((rowId: number, refs: MessageRef[], now: number) => {
      this.requireOutboxRow(rowId, this.sql.markDelivered.run({ id: rowId, now }).changes);
      for (const ref of refs) this.sql.upsertRef.run(ref);
    }).immediate;
  }

  async insertRequest(request: AccessRequest, events: AuditEvent[], notifications: Notification[]): Promise<AccessRequest> {
    return this.guard('insert request', () => this.insertTx(request, events, notifications));
  }

  async insertRequests(items: NewRequest[]): Promise<AccessRequest[]> {
    return this.guard('insert requests', () => this.insertManyTx(items));
  }

  async getRequest(id: string): Promise<AccessRequest | undefined> {
    return this.guard('read request', () => {
      const row = this.sql.getRequest.get(id);
      return row === undefined ? undefined : parseRequest(row);
    });
  }

  async transition(expected: Expected, next: AccessRequest, events: AuditEvent[], notifications: Notification[]): Promise<AccessRequest | undefined> {
    if (next.id !== expected.id) {
      throw new JitError('jit_store_failed', `transition of request ${expected.id} was given request ${next.id}`);
    }
    return this.guard('change request', () => this.transitionTx(expected, next, events, notifications));
  }

  async listRequests(filter: RequestFilter): Promise<AccessRequest[]> {
    return this.guard('list requests', () => {
      const clauses: Array<[sql: string, value: unknown]> = [];
      if (filter.requester !== undefined) clauses.push(['requester = ?', filter.requester]);
      // The states go in as one JSON parameter, so each filter shape is one cached
      // statement however many states it names. An empty list matches nothing.
      if (filter.states !== undefined) {
        clauses.push(['state IN (SELECT value FROM json_each(?))', JSON.stringify(filter.states)]);
      }
      if (filter.vm !== undefined) clauses.push(['vm = ?', filter.vm]);
      if (filter.batchId !== undefined) clauses.push(["json_extract(data, '$.batchId') = ?", filter.batchId]);
      if (filter.extends !== undefined) clauses.push(["json_extract(data, '$.extends') = ?", filter.extends]);
      // A batch lists in the order it was asked for (rowid: insertion order), leader first.
      const order = filter.batchId !== undefined ? 'rowid' : 'created_at DESC, id DESC';
      const statement = this.listStatement(clauses.map(([sql]) => sql).join(' AND '), order);
      return statement.all(...clauses.map(([, value]) => value)).map(parseRequest);
    });
  }

  async dueForClose(now: number): Promise<AccessRequest[]> {
    return this.guard('read requests due for close', () => this.sql.dueForClose.all(now).map(parseRequest));
  }

  async endingBy(at: number): Promise<AccessRequest[]> {
    return this.guard('read grants ending soon', () => this.replicas.endingBy.all(at).map(parseRequest));
  }

  async requestTimesSince(requester: string, since: number): Promise<number[]> {
    return this.guard('count recent requests', () => this.replicas.requestTimesSince.all(requester, since).map(({ at }) => at));
  }

  async auditEvents(requestId?: string): Promise<AuditEvent[]> {
    return this.guard('read audit events', () => {
      const rows = requestId === undefined ? this.sql.allEvents.all() : this.sql.eventsOf.all(requestId);
      return rows.map(({ detail, ...event }) => (detail === null ? event : { ...event, detail }));
    });
  }

  async recordSystemEvent(event: SystemEvent, notifications: Notification[]): Promise<void> {
    this.guard('record a system event', () => this.systemEventTx(event, notifications));
  }

  async systemEvents(): Promise<SystemEvent[]> {
    return this.guard('read system events', () => this.sql.systemEvents.all().map(({ detail, ...event }) => ({ ...event, detail: detail ?? '' })));
  }

  async auditEventsSince(at: number): Promise<Array<AuditEvent | SystemEvent>> {
    return this.guard('read audit events', () =>
      this.sql.eventsSince.all(at).map(
        ({ detail, requestId, ...event }) =>
          ({
            ...event,
            ...(requestId === null ? {} : { requestId }),
            ...(detail === null ? {} : { detail }),
          }) as AuditEvent | SystemEvent,
      ),
    );
  }

  async saveOverlayVm(entry: OverlayVm, event: SystemEvent, notifications: Notification[]): Promise<void> {
    this.guard('save a policy overlay entry', () => this.overlayTx(entry, event, notifications));
  }

  async overlayVms(): Promise<OverlayVm[]> {
    return this.guard('read the policy overlay', () => this.overlay.all());
  }

  async retireOverlayVm(name: string): Promise<boolean> {
    return this.guard('retire a policy overlay entry', () => this.overlay.remove(name));
  }

  async pendingOutbox(limit: number): Promise<OutboxRow[]> {
    return this.guard('read outbox', () => this.sql.pendingOutbox.all(limit).map(parseOutboxRow));
  }

  async claimOutbox(worker: string, now: number, leaseMs: number, limit: number): Promise<OutboxRow[]> {
    return this.guard('claim outbox rows', () => this.replicas.claimOutbox(worker, now, leaseMs, limit).map(parseOutboxRow));
  }

  async outboxStats(now: number): Promise<OutboxStats> {
    return this.guard('count the outbox', () => outboxStatsOf(this.sql.outboxStats.get()!, now));
  }

  async acquireLease(name: string, holder: string, now: number, ttlMs: number): Promise<Lease> {
    return this.guard(`take the ${name} lease`, () => this.replicas.acquireLease(name, holder, now, ttlMs));
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    this.guard(`release the ${name} lease`, () => this.replicas.releaseLease(name, holder));
  }

  async currentLease(name: string, now: number): Promise<Lease | undefined> {
    return this.guard(`read the ${name} lease`, () => this.replicas.currentLease(name, now));
  }

  async markDelivered(rowId: number, refs: MessageRef[]): Promise<void> {
    this.guard('mark outbox row delivered', () => this.deliveredTx(rowId, refs, this.clock.now()));
  }

  async markRetry(rowId: number, error: string, nextAttemptAt: number): Promise<void> {
    this.guard('mark outbox row for retry', () => {
      const { changes } = this.sql.markRetry.run({ id: rowId, error: truncateError(error), next: nextAttemptAt });
      this.requireOutboxRow(rowId, changes);
    });
  }

  async messageRefs(requestId: string): Promise<MessageRef[]> {
    return this.guard('read message refs', () => this.sql.refsOf.all(requestId));
  }

  async outboxPosts(rowId: number): Promise<PostRecord[]> {
    return this.guard('read outbox posts', () => this.sql.postsOf.all(rowId).map(({ ts, ...post }) => (ts === null ? post : { ...post, ts })));
  }

  async claimPost(rowId: number, step: string, channel: string, at: number): Promise<void> {
    this.guard('claim an outbox post', () => this.sql.claimPost.run({ id: rowId, step, channel, at }));
  }

  async recordPost(rowId: number, step: string, channel: string, ts: string): Promise<void> {
    this.guard('record an outbox post', () => this.sql.recordPost.run({ id: rowId, step, channel, ts, at: this.clock.now() }));
  }

  async recordSourceLink(nonce: string, user: string, address: string, at: number): Promise<boolean> {
    return this.guard('record a source link', () => this.sql.insertSourceLink.run({ nonce, user, address, at }).changes === 1);
  }

  async recentSource(user: string, since: number): Promise<string | undefined> {
    return this.guard('read a recorded source', () => this.sql.recentSource.get(user, since)?.address);
  }

  /** Checks the audit log's hash chain and names the first row that was edited, deleted or reordered. */
  async verifyAuditChain(): Promise<ChainVerdict> {
    return this.guard('verify the audit chain', () => verifyChain(this.sql.chainRows.iterate()));
  }

  async ping(): Promise<boolean> {
    try {
      return this.sql.ping.get() !== undefined;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private writeSideEffects(events: Array<AuditEvent | (SystemEvent & { requestId: null })>, notifications: Notification[]): void {
    for (const event of events) {
      // Chained in the same transaction: writers are serialised (IMMEDIATE), so the chain stays linear.
      const previous = this.sql.chainHead.get()?.hash ?? GENESIS;
      const stored = storableEvent(event);
      const row = { ...stored, detail: stored.detail ?? null };
      const seq = Number(this.sql.insertEvent.run(row).lastInsertRowid);
      this.sql.sealEvent.run(previous, rowHash({ ...row, seq }, previous), seq);
    }
    for (const notification of notifications) {
      this.sql.insertOutbox.run({
        requestId: requestIdOf(notification) ?? null,
        lane: laneOf(notification),
        notification: JSON.stringify(notification),
        createdAt: this.clock.now(),
      });
    }
  }

  /** Both outbox updates skip delivered rows (a late duplicate worker); only an unknown id is an error. */
  private requireOutboxRow(rowId: number, changes: number): void {
    if (changes > 0 || this.sql.outboxExists.get(rowId) !== undefined) return;
    throw new JitError('jit_store_failed', `outbox row ${rowId} does not exist`);
  }

  /** One prepared statement per filter shape (at most sixteen), made on first use. */
  private listStatement(where: string, order: string): Statement<unknown[], DataRow> {
    const key = `${where} ORDER BY ${order}`;
    let statement = this.listCache.get(key);
    if (statement === undefined) {
      statement = this.db.prepare<unknown[], DataRow>(`SELECT data FROM requests ${where === '' ? '' : `WHERE ${where}`} ORDER BY ${order}`);
      this.listCache.set(key, statement);
    }
    return statement;
  }

  /** Callers see one error code for every storage failure; the SQLite error stays as `cause`. */
  private guard<T>(what: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw isJitError(error) ? error : storeError(`could not ${what}`, error);
    }
  }
}

/** A request row: its JSON. */
function parseRequest(row: DataRow): AccessRequest {
  return parseRequestData(row.data);
}

function toColumns(request: AccessRequest): RequestColumns {
  return {
    id: request.id,
    state: request.state,
    version: request.version,
    requester: request.requester,
    vm: request.vm,
    created_at: request.createdAt,
    end_at: request.endAt ?? null,
    data: JSON.stringify(request),
  };
}

function storeError(what: string, error: unknown): JitError {
  const why = error instanceof Error ? error.message : String(error);
  return new JitError('jit_store_failed', `${what}: ${why}`, { cause: error });
}
