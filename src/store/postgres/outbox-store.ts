// The outbox the worker delivers (with its message refs and post journal) and
// the leases: what replicas share to split the work between them. PostgresStore
// (postgres-store.ts) extends this class with the requests, the audit log and
// the overlay; both read the SQLite adapter's rules (store/sqlite-store.ts).

import { JitError, isJitError } from '../../domain/errors.js';
import type { Clock } from '../../ports/clock.js';
import type { MessageRef, PostedStep, PostRecord } from '../../ports/notifier.js';
import { outboxStatsOf, type Lease, type LeaseStore, type OutboxRow, type OutboxStats, type OutboxStore } from '../../ports/store.js';
import { inTransaction, run, type PgPool, type PoolClient } from './pool.js';
import { SQL } from './statements.js';
import { type OutboxDbRow, parseOutboxRow, truncateError } from '../rows.js';

export abstract class PgOutboxStore implements OutboxStore, LeaseStore {
  protected constructor(
    protected readonly pool: PgPool,
    protected readonly clock: Clock,
  ) {}

  async pendingOutbox(limit: number): Promise<OutboxRow[]> {
    return this.guard('read outbox', async () => (await run<OutboxDbRow>(this.pool, SQL.pendingOutbox, [limit])).rows.map(parseOutboxRow));
  }

  async claimOutbox(worker: string, now: number, leaseMs: number, limit: number): Promise<OutboxRow[]> {
    return this.guard('claim outbox rows', async () => {
      const { rows } = await run<OutboxDbRow>(this.pool, SQL.claimOutbox, [worker, now, leaseMs, limit]);
      // RETURNING follows no order; the claims are handed out oldest first.
      return rows.sort((a, b) => a.id - b.id).map(parseOutboxRow);
    });
  }

  async outboxStats(now: number): Promise<OutboxStats> {
    return this.guard('count the outbox', async () =>
      outboxStatsOf((await run<{ pending: string; oldestAt: string | null }>(this.pool, SQL.outboxStats)).rows[0]!, now),
    );
  }

  async markDelivered(rowId: number, refs: MessageRef[], posts: PostedStep[] = []): Promise<void> {
    await this.guard('mark outbox row delivered', () =>
      inTransaction(this.pool, async (client) => {
        const now = this.clock.now();
        // The posts' records with the delivery, in one commit: the outbox worker holds them back for it.
        for (const { step, channel, ts } of posts) await run(client, SQL.recordPost, [rowId, step, channel, ts, now]);
        await requireOutboxRow(client, rowId, await run(client, SQL.markDelivered, [rowId, now]));
        for (const ref of refs) await run(client, SQL.upsertRef, [ref.requestId, ref.role, ref.channel, ref.ts]);
      }),
    );
  }

  async markRetry(rowId: number, error: string, nextAttemptAt: number): Promise<void> {
    await this.guard('mark outbox row for retry', async () =>
      requireOutboxRow(this.pool, rowId, await run(this.pool, SQL.markRetry, [rowId, truncateError(error), nextAttemptAt])),
    );
  }

  async messageRefs(requestId: string): Promise<MessageRef[]> {
    return this.guard('read message refs', async () => (await run<MessageRef>(this.pool, SQL.refsOf, [requestId])).rows);
  }

  async outboxPosts(rowId: number): Promise<PostRecord[]> {
    return this.guard('read outbox posts', async () =>
      (await run<PostRecord & { ts: string | null }>(this.pool, SQL.postsOf, [rowId])).rows.map(({ ts, ...post }) => (ts === null ? post : { ...post, ts })),
    );
  }

  async claimPost(rowId: number, step: string, channel: string, at: number): Promise<void> {
    await this.guard('claim an outbox post', () => run(this.pool, SQL.claimPost, [rowId, step, channel, at]));
  }

  async recordPost(rowId: number, step: string, channel: string, ts: string): Promise<void> {
    await this.guard('record an outbox post', () => run(this.pool, SQL.recordPost, [rowId, step, channel, ts, this.clock.now()]));
  }

  async acquireLease(name: string, holder: string, now: number, ttlMs: number): Promise<Lease> {
    return this.guard(`take the ${name} lease`, async () => (await run<Lease>(this.pool, SQL.acquireLease, [name, holder, now, ttlMs])).rows[0]!);
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.guard(`release the ${name} lease`, () => run(this.pool, SQL.releaseLease, [name, holder]));
  }

  async currentLease(name: string, now: number): Promise<Lease | undefined> {
    return this.guard(`read the ${name} lease`, async () => (await run<Lease>(this.pool, SQL.currentLease, [name, now])).rows[0]);
  }

  /** Callers see one error code for every storage failure; the PostgreSQL error stays as `cause`. */
  protected async guard<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw isJitError(error) ? error : storeError(`could not ${what}`, error);
    }
  }
}

/** Both outbox updates skip delivered rows (a late duplicate worker); only an unknown id is an error. */
async function requireOutboxRow(on: PgPool | PoolClient, rowId: number, update: { rowCount: number | null }): Promise<void> {
  if ((update.rowCount ?? 0) > 0 || (await run(on, SQL.outboxExists, [rowId])).rowCount !== 0) return;
  throw new JitError('jit_store_failed', `outbox row ${rowId} does not exist`);
}

export function storeError(what: string, error: unknown): JitError {
  const why = error instanceof Error ? error.message : String(error);
  return new JitError('jit_store_failed', `${what}: ${why}`, { cause: error });
}
