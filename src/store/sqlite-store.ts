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
} from '../ports/store.js';
import type { MessageRef, Notification, PostedStep, PostRecord } from '../ports/notifier.js';
import { GENESIS, rowHash, storableEvent, verifyChain, type ChainVerdict } from '../domain/audit-chain.js';
import type { ChainHead, ChainLink as AnchorLink, LinkedEvent } from '../domain/audit-anchor.js';
import { batchTransitions, checkBatch } from './batch-commit.js';
import { type CheckpointOptions, Checkpointer } from './checkpoint.js';
import { migrate } from './migrate.js';
import { migrations } from './migrations/index.js';
import { prepareOverlayStatements } from './overlay-statements.js';
import { prepareReplicaStatements } from './replica-statements.js';
import { parseOutboxRow, parseRequestData, readBackOf, truncateError } from './rows.js';
import { prepareStatements, type DataRow, type RequestColumns } from './statements.js';

export interface SqliteStoreOptions {
  /** Stamps `delivered_at` and an outbox row's `created_at`; the only clock this adapter reads. */
  clock?: Clock;
  /** A file's WAL checkpoints, off the main thread (checkpoint.ts); `false`: SQLite's own, in the commits. */
  checkpoints?: CheckpointOptions | false;
}

const BUSY_TIMEOUT_MS = 5000;

/** The audit chain's last row as this connection knows it, and `PRAGMA data_version` when it knew it. */
interface ChainLink {
  seq: number;
  hash: string;
  version: number;
}

export class SqliteStore implements Store {
  private readonly sql;
  private readonly replicas;
  private readonly listCache = new Map<string, Statement<unknown[], DataRow>>();
  private readonly insertTx;
  private readonly insertManyTx;
  private readonly transitionTx;
  private readonly transitionsTx;
  private readonly deliveredTx;
  private readonly systemEventTx;
  private readonly overlay;
  private readonly overlayTx;
  /**
   * The chain's head as of this connection's last commit, so a write need not
   * read it back; undefined: read it from the file. Trusted only while
   * `PRAGMA data_version` says no other connection (the CLI beside the bot) has
   * committed since: see `chainStart`.
   */
  private chainHead: ChainLink | undefined;
  /** The head after the events of the outermost write under way; it becomes `chainHead` when that write commits. */
  private pendingHead: ChainLink | undefined;
  /** Inside an outermost write of `ownWrite`, and how many of its writes are nested in it (savepoints). */
  private outermost = false;
  private nested = 0;
  /** A nested write (or one inside a transaction this store did not begin) chained events: the head is read again after. */
  private headUnsure = false;
  /** Runs this file's WAL checkpoints beside the writes; undefined for `:memory:` or when SQLite's own were asked for. */
  private checkpointer: Checkpointer | undefined;

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
      const store = new SqliteStore(db, options.clock ?? systemClock);
      if (!memory && options.checkpoints !== false) {
        store.checkpointer = new Checkpointer(db, path.resolve(file), options.checkpoints);
      }
      return store;
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
      // A copy: what is returned is not the caller's object (its nested values are shared: requests are never mutated).
      const written = { ...request };
      const row = toColumns(written);
      if (this.sql.insertRequest.run(row.id, row.state, row.version, row.requester, row.vm, row.created_at, row.end_at, row.data).changes === 0) {
        throw new JitError('jit_store_failed', 'request id already exists', { cause: 'duplicate_id' });
      }
      this.writeSideEffects(events, notes);
      return readBackOf(written, row.data);
    };
    this.insertTx = this.ownWrite(db.transaction(insertOne).immediate);
    // A throw from any member rolls back every member before it: a batch is stored whole or not at all.
    this.insertManyTx = this.ownWrite(
      db.transaction((items: NewRequest[]) => items.map(({ request, events, notifications }) => insertOne(request, events, notifications))).immediate,
    );
    const transitionOne = (expected: Expected, next: AccessRequest, events: AuditEvent[], notes: Notification[]): AccessRequest | undefined => {
      // The stored snapshot carries the bumped version, so the caller's next CAS can use it.
      const written = { ...next, version: expected.version + 1 };
      const row = toColumns(written);
      const swapped =
        this.sql.transition.run(row.state, row.end_at, row.data, row.id, expected.state, expected.version, row.requester, row.vm, row.created_at).changes ===
          1 || this.sql.transitionRewriting.run({ ...row, expected_state: expected.state, expected_version: expected.version }).changes === 1;
      // Lost the race: return before writing anything, so nothing is announced twice.
      if (!swapped) return undefined;
      this.writeSideEffects(events, notes);
      return readBackOf(written, row.data);
    };
    this.transitionTx = this.ownWrite(db.transaction(transitionOne).immediate);
    // A batch runs each item's transition in one transaction, no savepoint (batch-commit.ts): one commit for grants that end together.
    this.transitionsTx = this.ownWrite(batchTransitions(db, (item) => transitionOne(item.expected, item.next, item.events, item.notifications)));
    this.systemEventTx = this.ownWrite(
      db.transaction((event: SystemEvent, notes: Notification[]) => {
        this.writeSideEffects([{ ...event, requestId: null }], notes);
      }).immediate,
    );
    this.overlay = prepareOverlayStatements(db);
    // A policy edit and its audit event are stored together or not at all.
    this.overlayTx = this.ownWrite(
      db.transaction((entry: OverlayVm, event: SystemEvent, notes: Notification[]) => {
        this.overlay.save(entry);
        this.writeSideEffects([{ ...event, requestId: null }], notes);
      }).immediate,
    );
    // The posts' records, the delivery and the refs in one commit: the outbox worker holds the records back for it.
    this.deliveredTx = db.transaction((rowId: number, refs: MessageRef[], posts: PostedStep[], now: number) => {
      for (const { step, channel, ts } of posts) this.sql.recordPost.run({ id: rowId, step, channel, ts, at: now });
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

  async transitions(items: TransitionItem[]): Promise<Array<AccessRequest | undefined>> {
    checkBatch(items);
    return this.guard('change requests', () => this.transitionsTx(items));
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

  async activeEnds(at: number): Promise<ActiveEnd[]> {
    return this.guard('read the ends of active requests', () => this.replicas.activeEnds.all(at).map(activeEndOf));
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

  /** Every row's (seq, hash), oldest first: what `jit audit verify --against-slack` compares with the audit channel. */
  async auditLinks(): Promise<AnchorLink[]> {
    return this.guard('read the audit chain', () => this.sql.chainLinks.all());
  }

  /** The (seq, hash) of the newest row that holds `event` as written; undefined when none does. */
  async auditLinkOf(event: LinkedEvent): Promise<AnchorLink | undefined> {
    return this.guard('find an audit row', () => {
      const stored = storableEvent(event);
      return this.sql.linkOf.get(stored.requestId ?? null, stored.name, stored.actor, stored.at, stored.detail ?? null);
    });
  }

  /** The newest row's seq, hash and name; undefined when the log is empty. */
  async auditHead(): Promise<ChainHead | undefined> {
    return this.guard('read the audit chain head', () => this.sql.chainHeadRow.get());
  }

  async recordSystemEvent(event: SystemEvent, notifications: Notification[]): Promise<void> {
    await this.guard('record a system event', () => this.systemEventTx(event, notifications));
  }

  /**
   * A write to a table another module of this adapter keeps in this database
   * (API tokens: store/api-tokens.ts) with the bot's own audit events and their
   * notifications, in one IMMEDIATE transaction: the table changes with its
   * events or not at all. `write` runs synchronously inside the transaction.
   */
  async writeWithSystemEvents<T>(what: string, write: (db: Database) => T, events: SystemEvent[], notifications: Notification[]): Promise<T> {
    const tx = this.ownWrite(
      this.db.transaction(() => {
        const result = write(this.db);
        this.writeSideEffects(
          events.map((event) => ({ ...event, requestId: null })),
          notifications,
        );
        return result;
      }).immediate,
    );
    return this.guard(what, () => tx());
  }

  /** A read, or a write without audit events, of a module that keeps its own tables in this database (the event stream's cursors). */
  async withDatabase<T>(what: string, use: (db: Database) => T): Promise<T> {
    return this.guard(what, () => use(this.db));
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
    await this.guard('save a policy overlay entry', () => this.overlayTx(entry, event, notifications));
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
    await this.guard(`release the ${name} lease`, () => this.replicas.releaseLease(name, holder));
  }

  async currentLease(name: string, now: number): Promise<Lease | undefined> {
    return this.guard(`read the ${name} lease`, () => this.replicas.currentLease(name, now));
  }

  async markDelivered(rowId: number, refs: MessageRef[], posts: PostedStep[] = []): Promise<void> {
    await this.guard('mark outbox row delivered', () => this.deliveredTx(rowId, refs, posts, this.clock.now()));
  }

  async markRetry(rowId: number, error: string, nextAttemptAt: number): Promise<void> {
    await this.guard('mark outbox row for retry', () => {
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
    await this.guard('claim an outbox post', () => this.sql.claimPost.run({ id: rowId, step, channel, at }));
  }

  async recordPost(rowId: number, step: string, channel: string, ts: string): Promise<void> {
    await this.guard('record an outbox post', () => this.sql.recordPost.run({ id: rowId, step, channel, ts, at: this.clock.now() }));
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
    // Not beside the worker's TRUNCATE either: it would answer "down" for a database that is only busy.
    await this.checkpointer?.held();
    try {
      return this.sql.ping.get() !== undefined;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    // The worker's connection first: the store's is then the last, and SQLite checkpoints and removes the WAL as it closes.
    const stopping = this.checkpointer?.stop();
    if (stopping) await stopping;
    if (this.db.open) this.db.close();
  }

  private writeSideEffects(events: Array<AuditEvent | (SystemEvent & { requestId: null })>, notifications: Notification[]): void {
    if (events.length > 0) {
      // Chained in the same transaction: writers are serialised (IMMEDIATE), so the chain stays linear.
      const known = this.outermost && this.nested === 0;
      let link = known ? this.chainStart() : this.readChainHead(-1);
      for (const event of events) {
        const stored = storableEvent(event);
        const row = { seq: link.seq + 1, requestId: stored.requestId, name: stored.name, actor: stored.actor, at: stored.at, detail: stored.detail ?? null };
        const hash = rowHash(row, link.hash);
        this.sql.insertEvent.run(row.seq, row.requestId, row.name, row.actor, row.at, row.detail, link.hash, hash);
        link = { seq: row.seq, hash, version: link.version };
      }
      if (known) this.pendingHead = link;
      else {
        // Nested in a write whose outcome is decided outside it: what the head will be is known only after,
        // and the outer write's own next event reads it again from the file.
        this.chainHead = undefined;
        this.pendingHead = undefined;
        this.headUnsure = true;
      }
    }
    for (const notification of notifications) {
      this.sql.insertOutbox.run(requestIdOf(notification) ?? null, laneOf(notification), JSON.stringify(notification), this.clock.now());
    }
  }

  /**
   * The head to chain the outermost write's next event to: the one its own
   * earlier events left, else the one this connection last committed when no
   * other connection has committed since (data_version unchanged), else the
   * one in the file. Read inside the IMMEDIATE transaction, so no other writer
   * can move it before this write commits.
   */
  private chainStart(): ChainLink {
    if (this.pendingHead !== undefined) return this.pendingHead;
    const version = this.sql.dataVersion.get()!;
    if (this.chainHead?.version === version) return this.chainHead;
    return this.readChainHead(version);
  }

  private readChainHead(version: number): ChainLink {
    const head = this.sql.chainHead.get()!;
    return { seq: head.seq, hash: head.hash ?? GENESIS, version };
  }

  /**
   * A write as one transaction that keeps `chainHead`: it takes the head its
   * events left once it commits, and forgets it when it throws (rolled back)
   * or when a nested write chained events. Nested in another transaction (a
   * batch's savepoint), it runs as it is and leaves the head to the outer one.
   */
  private ownWrite<A extends unknown[], R>(write: (...args: A) => R): (...args: A) => R {
    return (...args: A): R => {
      if (this.db.inTransaction) {
        this.nested++;
        try {
          return write(...args);
        } finally {
          this.nested--;
        }
      }
      this.outermost = true;
      this.pendingHead = undefined;
      this.headUnsure = false;
      try {
        const result = write(...args);
        // Committed: better-sqlite3 has run COMMIT before it returns.
        this.chainHead = this.headUnsure ? undefined : (this.pendingHead ?? this.chainHead);
        return result;
      } catch (error) {
        this.chainHead = undefined;
        throw error;
      } finally {
        this.outermost = false;
        this.pendingHead = undefined;
      }
    };
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

  /**
   * Callers see one error code for every storage failure; the SQLite error
   * stays as `cause`. While the checkpoint worker truncates the WAL, the work
   * waits for it (checkpoint.ts), in the order it came; otherwise it runs now.
   */
  private guard<T>(what: string, work: () => T): T | Promise<T> {
    const held = this.checkpointer?.held();
    if (held !== undefined) return held.then(() => this.guard(what, work));
    this.checkpointer?.used();
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
