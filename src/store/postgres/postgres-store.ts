// The PostgreSQL adapter for the `Store` port, so several replicas can share
// one database. The SQLite adapter (store/sqlite-store.ts) is its
// specification: every write SQLite makes in one transaction is one
// transaction here, a state change is one compare-and-swap, and the audit log
// is one hash chain whichever replica appends (audit.ts).

import { JitError, isJitError } from '../../domain/errors.js';
import type { ChainVerdict } from '../../domain/audit-chain.js';
import type { OverlayVm } from '../../domain/policy/overlay.js';
import { parseRequestData } from '../rows.js';
import type { AccessRequest, AuditEvent, SystemEvent } from '../../domain/types.js';
import { systemClock, type Clock } from '../../ports/clock.js';
import type { Notification } from '../../ports/notifier.js';
import {
  type ActiveEnd,
  type ActiveEndRow,
  activeEndOf,
  type Expected,
  type NewRequest,
  type RequestFilter,
  type Store,
  type TransitionItem,
} from '../../ports/store.js';
import { chainHead, chainLinkOf, chainLinks, verifyChainPaged, writeSideEffects } from './audit.js';
import type { ChainHead, ChainLink, LinkedEvent } from '../../domain/audit-anchor.js';
import { migratePg } from './migrate.js';
import { pgMigrations } from './migrations/index.js';
import { PgOutboxStore, storeError } from './outbox-store.js';
import { createPool, describeDatabase, inTransaction, run, type PgPool, type PgPoolOptions, type PoolClient } from './pool.js';
import { requestValues, SQL } from './statements.js';

export interface PostgresStoreOptions extends PgPoolOptions {
  /** Stamps `delivered_at`, a post recorded without a claim and an outbox row's `created_at`; the only clock this adapter reads. */
  clock?: Clock;
}

type EventRow = { requestId: string | null; name: string; actor: string; at: number; detail: string | null };
type DataRow = { data: string };

/** A transaction stuck open (its replica hung mid-write) is ended by the server, so it cannot hold the chain lock for ever. */
const IDLE_IN_TRANSACTION_MS = 60_000;

export class PostgresStore extends PgOutboxStore implements Store {
  private closing: Promise<void> | undefined;

  /** Connects, checks the database can keep text as written (UTF8), and migrates it. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const where = describeDatabase(url, options.schema);
    const pool = createPool(url, options, { idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS });
    try {
      const { rows } = await run<{ server_encoding: string }>(pool, 'SHOW server_encoding');
      const encoding = rows[0]?.server_encoding;
      if (encoding !== 'UTF8') throw new JitError('jit_store_failed', `${where} stores text as ${encoding}: the bot needs a UTF8 database`);
      await migratePg(pool, pgMigrations, where);
      return new PostgresStore(pool, options.clock ?? systemClock);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw isJitError(error) ? error : storeError(`could not open ${where}`, error);
    }
  }

  private constructor(pool: PgPool, clock: Clock) {
    super(pool, clock);
  }

  async insertRequest(request: AccessRequest, events: AuditEvent[], notifications: Notification[]): Promise<AccessRequest> {
    return this.guard('insert request', () => inTransaction(this.pool, (client) => insertOne(client, { request, events, notifications }, this.clock.now())));
  }

  async insertRequests(items: NewRequest[]): Promise<AccessRequest[]> {
    // A throw from any member rolls back every member before it: a batch is stored whole or not at all.
    return this.guard('insert requests', () =>
      inTransaction(this.pool, async (client) => {
        const stored: AccessRequest[] = [];
        for (const item of items) stored.push(await insertOne(client, item, this.clock.now()));
        return stored;
      }),
    );
  }

  async getRequest(id: string): Promise<AccessRequest | undefined> {
    return this.guard('read request', async () => {
      const [row] = (await run<DataRow>(this.pool, SQL.getRequest, [id])).rows;
      return row === undefined ? undefined : parseRequestData(row.data);
    });
  }

  async transition(expected: Expected, next: AccessRequest, events: AuditEvent[], notifications: Notification[]): Promise<AccessRequest | undefined> {
    if (next.id !== expected.id) {
      throw new JitError('jit_store_failed', `transition of request ${expected.id} was given request ${next.id}`);
    }
    return this.guard('change request', () =>
      inTransaction(this.pool, async (client) => {
        // The stored snapshot carries the bumped version, so the caller's next CAS can use it.
        const values = requestValues({ ...next, version: expected.version + 1 });
        // Lost the race: nothing is written, so nothing is announced twice.
        if ((await run(client, SQL.transition, [...values, expected.state, expected.version])).rowCount !== 1) return undefined;
        await writeSideEffects(client, events, notifications, this.clock.now());
        return parseRequestData(values.at(-1) as string);
      }),
    );
  }

  /**
   * Every CAS first, then the winners' audit events and outbox rows in one
   * append: the chain's advisory lock is taken once and its head read once for
   * the whole batch, not once per grant. Rows are updated in id order, so two
   * batches over the same rows cannot deadlock on each other.
   */
  async transitions(items: TransitionItem[]): Promise<Array<AccessRequest | undefined>> {
    for (const { expected, next } of items) {
      if (next.id !== expected.id) throw new JitError('jit_store_failed', `transition of request ${expected.id} was given request ${next.id}`);
    }
    return this.guard('change requests', () =>
      inTransaction(this.pool, async (client) => {
        const stored: Array<AccessRequest | undefined> = items.map(() => undefined);
        const events: AuditEvent[] = [];
        const notifications: Notification[] = [];
        const order = items.map((_, i) => i).sort((a, b) => compareIds(items[a]!.expected.id, items[b]!.expected.id) || a - b);
        const won = new Set<number>();
        for (const i of order) {
          const { expected, next } = items[i]!;
          const values = requestValues({ ...next, version: expected.version + 1 });
          if ((await run(client, SQL.transition, [...values, expected.state, expected.version])).rowCount !== 1) continue;
          stored[i] = parseRequestData(values.at(-1) as string);
          won.add(i);
        }
        // Chained in the order given, as separate transitions in that order would be.
        for (const [i, item] of items.entries()) {
          if (!won.has(i)) continue;
          events.push(...item.events);
          notifications.push(...item.notifications);
        }
        await writeSideEffects(client, events, notifications, this.clock.now());
        return stored;
      }),
    );
  }

  async listRequests(filter: RequestFilter): Promise<AccessRequest[]> {
    return this.guard('list requests', async () => {
      const clauses: string[] = [];
      const values: unknown[] = [];
      const where = (column: string, value: unknown, cast = '') => {
        values.push(value);
        clauses.push(cast === '' ? `${column} = $${values.length}` : `${column} = ANY($${values.length}${cast})`);
      };
      if (filter.requester !== undefined) where('requester', filter.requester);
      // An empty list matches nothing.
      if (filter.states !== undefined) where('state', [...filter.states], '::text[]');
      if (filter.vm !== undefined) where('vm', filter.vm);
      if (filter.batchId !== undefined) where('batch_id', filter.batchId);
      if (filter.extends !== undefined) where('extends_id', filter.extends);
      // A batch lists in the order it was asked for (insertion order), leader first.
      const order = filter.batchId !== undefined ? 'pos' : 'created_at DESC, id COLLATE "C" DESC';
      const sql = `SELECT data FROM requests ${clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`} ORDER BY ${order}`;
      return (await run<DataRow>(this.pool, sql, values)).rows.map((row) => parseRequestData(row.data));
    });
  }

  async dueForClose(now: number): Promise<AccessRequest[]> {
    return this.guard('read requests due for close', () => this.requests(SQL.dueForClose, [now]));
  }

  async activeEnds(at: number): Promise<ActiveEnd[]> {
    return this.guard('read the ends of active requests', async () => (await run<ActiveEndRow>(this.pool, SQL.activeEnds, [at])).rows.map(activeEndOf));
  }

  async requestTimesSince(requester: string, since: number): Promise<number[]> {
    return this.guard('count recent requests', async () =>
      (await run<{ at: number }>(this.pool, SQL.requestTimesSince, [requester, since])).rows.map(({ at }) => at),
    );
  }

  async auditEvents(requestId?: string): Promise<AuditEvent[]> {
    return this.guard('read audit events', async () => {
      const { rows } = requestId === undefined ? await run<EventRow>(this.pool, SQL.allEvents) : await run<EventRow>(this.pool, SQL.eventsOf, [requestId]);
      return rows.map(({ detail, ...event }) => (detail === null ? event : { ...event, detail }) as AuditEvent);
    });
  }

  /** Every row's (seq, hash), oldest first: what `jit audit verify --against-slack` compares with the audit channel. */
  async auditLinks(): Promise<ChainLink[]> {
    return this.guard('read the audit chain', () => chainLinks(this.pool));
  }

  /** The (seq, hash) of the newest row that holds `event` as written; undefined when none does. */
  async auditLinkOf(event: LinkedEvent): Promise<ChainLink | undefined> {
    return this.guard('find an audit row', () => chainLinkOf(this.pool, event));
  }

  /** The newest row's seq, hash and name; undefined when the log is empty. */
  async auditHead(): Promise<ChainHead | undefined> {
    return this.guard('read the audit chain head', () => chainHead(this.pool));
  }

  async recordSystemEvent(event: SystemEvent, notifications: Notification[]): Promise<void> {
    await this.guard('record a system event', () =>
      inTransaction(this.pool, (client) => writeSideEffects(client, [{ ...event, requestId: null }], notifications, this.clock.now())),
    );
  }

  /**
   * A write to a table another module of this adapter keeps in this database
   * (API tokens: api-tokens.ts) with the bot's own audit events and their
   * notifications, in one transaction: the table changes with its events or not at all.
   */
  async writeWithSystemEvents<T>(what: string, write: (client: PoolClient) => Promise<T>, events: SystemEvent[], notifications: Notification[]): Promise<T> {
    return this.guard(what, () =>
      inTransaction(this.pool, async (client) => {
        const result = await write(client);
        await writeSideEffects(
          client,
          events.map((event) => ({ ...event, requestId: null })),
          notifications,
          this.clock.now(),
        );
        return result;
      }),
    );
  }

  /** A read, or a write without audit events, of a module that keeps its own tables in this database (the event stream's cursors). */
  async withPool<T>(what: string, use: (pool: PgPool) => Promise<T>): Promise<T> {
    return this.guard(what, () => use(this.pool));
  }

  async systemEvents(): Promise<SystemEvent[]> {
    return this.guard('read system events', async () =>
      (await run<EventRow>(this.pool, SQL.systemEvents)).rows.map(({ detail, ...event }) => ({ ...event, detail: detail ?? '' }) as SystemEvent),
    );
  }

  async auditEventsSince(at: number): Promise<Array<AuditEvent | SystemEvent>> {
    return this.guard('read audit events', async () =>
      (await run<EventRow>(this.pool, SQL.eventsSince, [at])).rows.map(
        ({ detail, requestId, ...event }) =>
          ({ ...event, ...(requestId === null ? {} : { requestId }), ...(detail === null ? {} : { detail }) }) as AuditEvent | SystemEvent,
      ),
    );
  }

  async verifyAuditChain(): Promise<ChainVerdict> {
    return this.guard('verify the audit chain', () => verifyChainPaged(this.pool));
  }

  async saveOverlayVm(entry: OverlayVm, event: SystemEvent, notifications: Notification[]): Promise<void> {
    // A policy edit and its audit event are stored together or not at all.
    await this.guard('save a policy overlay entry', () =>
      inTransaction(this.pool, async (client) => {
        await run(client, SQL.saveOverlay, [entry.name, JSON.stringify(entry.vm), entry.updatedBy, entry.updatedAt]);
        await writeSideEffects(client, [{ ...event, requestId: null }], notifications, this.clock.now());
      }),
    );
  }

  async overlayVms(): Promise<OverlayVm[]> {
    return this.guard('read the policy overlay', async () =>
      (await run<OverlayVm & { vm: string }>(this.pool, SQL.overlayVms)).rows.map((row) => ({ ...row, vm: JSON.parse(row.vm) as Record<string, unknown> })),
    );
  }

  async retireOverlayVm(name: string): Promise<boolean> {
    return this.guard('retire a policy overlay entry', async () => ((await run(this.pool, SQL.retireOverlay, [name])).rowCount ?? 0) > 0);
  }

  async recordSourceLink(nonce: string, user: string, address: string, at: number): Promise<boolean> {
    return this.guard('record a source link', async () => (await run(this.pool, SQL.insertSourceLink, [nonce, user, address, at])).rowCount === 1);
  }

  async recentSource(user: string, since: number): Promise<string | undefined> {
    return this.guard('read a recorded source', async () => (await run<{ address: string }>(this.pool, SQL.recentSource, [user, since])).rows[0]?.address);
  }

  /** Never throws: an unreachable server or a closed store is simply not alive. */
  async ping(): Promise<boolean> {
    try {
      return (await this.pool.query('SELECT 1')).rowCount === 1;
    } catch {
      return false;
    }
  }

  /** Ends the pool once; calling it again waits for the same end. */
  close(): Promise<void> {
    this.closing ??= this.pool.end().catch(() => undefined);
    return this.closing;
  }

  private async requests(sql: string, values: unknown[]): Promise<AccessRequest[]> {
    return (await run<DataRow>(this.pool, sql, values)).rows.map((row) => parseRequestData(row.data));
  }
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function insertOne(client: PoolClient, { request, events, notifications }: NewRequest, now: number): Promise<AccessRequest> {
  const values = requestValues(request);
  if ((await run(client, SQL.insertRequest, values)).rowCount === 0) {
    throw new JitError('jit_store_failed', 'request id already exists', { cause: 'duplicate_id' });
  }
  await writeSideEffects(client, events, notifications, now);
  return parseRequestData(values.at(-1) as string);
}
