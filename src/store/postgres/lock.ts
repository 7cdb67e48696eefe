// The per-request lock across replicas (ports/lock.ts): first the in-process
// KeyedLock, so this process queues its own work without holding a connection,
// then a session-level advisory lock on the request id, held on a connection of
// the lock's own pool while the work runs. The work itself uses the store's
// pool: were both one pool, work waiting for a connection that lock holders
// occupy would deadlock. The store's compare-and-swap still decides whose write
// lands; the lock keeps two replicas from acting on one request at once. Work
// beyond the pool's size (thousands of grants ending in one second) queues
// here for a connection, however long that takes: only a request another
// replica holds for too long is an error.

import { JitError } from '../../domain/errors.js';
import { KeyedLock, type RequestLock } from '../../ports/lock.js';
import { createPool, run, type PgPool, type PoolClient } from './pool.js';

export interface PgRequestLockOptions {
  /** Connections the lock may hold at once: one per request being worked on (default 10). */
  poolSize?: number;
  /** How long to wait for a request another replica holds before failing (default 30 s). */
  lockTimeoutMs?: number;
  /** How the lock's connections show in pg_stat_activity (default `jit-access-bot lock`). */
  applicationName?: string;
}

/** The first key of every request lock; the second is hashtext(request id). */
export const REQUEST_LOCK_NAMESPACE = 0x6a69_7402;
const DEFAULT_TIMEOUT_MS = 30_000;
const LOCK_NOT_AVAILABLE = '55P03';

export class PgRequestLock implements RequestLock {
  private readonly local = new KeyedLock();
  private readonly slots: Slots;
  private readonly pool: PgPool;
  private readonly timeoutMs: number;
  private closing: Promise<void> | undefined;

  constructor(url: string, options: PgRequestLockOptions = {}) {
    this.timeoutMs = options.lockTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    const poolSize = options.poolSize ?? 10;
    this.slots = new Slots(poolSize);
    // lock_timeout ends a wait on a stuck holder; a wait for a free connection is the slots' (unbounded, in order).
    this.pool = createPool(url, { poolSize, applicationName: options.applicationName ?? 'jit-access-bot lock' }, { lock_timeout: this.timeoutMs });
  }

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.local.run(key, () => this.holding(key, work));
  }

  idle(): Promise<void> {
    return this.local.idle();
  }

  /** Ends the lock's pool once; call after idle(). */
  close(): Promise<void> {
    this.closing ??= this.pool.end().catch(() => undefined);
    return this.closing;
  }

  private async holding<T>(key: string, work: () => Promise<T>): Promise<T> {
    await this.slots.take();
    try {
      return await this.connected(key, work);
    } finally {
      this.slots.give();
    }
  }

  private async connected<T>(key: string, work: () => Promise<T>): Promise<T> {
    const client = await this.pool.connect().catch((error: unknown) => {
      throw this.failure(key, error);
    });
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
    try {
      await run(client, 'SELECT pg_advisory_lock($1, hashtext($2))', [REQUEST_LOCK_NAMESPACE, key]).catch((error: unknown) => {
        throw this.failure(key, error);
      });
      try {
        return await work();
      } finally {
        broken ??= await unlock(client, key);
      }
    } finally {
      client.off('error', onError);
      // A broken connection is destroyed, not returned: its session, and every lock it held, ends with it.
      client.release(broken);
    }
  }

  private failure(key: string, error: unknown): JitError {
    const why =
      (error as { code?: unknown }).code === LOCK_NOT_AVAILABLE
        ? `another replica has held it for over ${this.timeoutMs / 1000} s`
        : error instanceof Error
          ? error.message
          : String(error);
    return new JitError('jit_store_failed', `could not lock request ${key}: ${why}`, { cause: error });
  }
}

/** Releases the lock; resolves with an error when the connection should not be reused. */
async function unlock(client: PoolClient, key: string): Promise<Error | undefined> {
  try {
    const { rows } = await run<{ released: boolean }>(client, 'SELECT pg_advisory_unlock($1, hashtext($2)) AS released', [REQUEST_LOCK_NAMESPACE, key]);
    // Not held any more (the session was reset): the connection is in a state nobody expects.
    return rows[0]?.released === true ? undefined : new Error(`request lock ${key} was not held at unlock`);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** At most `size` holders at once; the others wait their turn, first come first served. */
class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(size: number) {
    this.free = size;
  }

  take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Hands the slot to the next in line, or frees it. */
  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}
