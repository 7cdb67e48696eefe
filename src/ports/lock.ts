// The per-request lock: one use case at a time on one request (a click racing
// the sweeper, an approval racing a revoke). KeyedLock is the in-process lock,
// enough for one replica; the PostgreSQL adapter holds it across replicas
// (store/postgres/lock.ts). Either way, the store's compare-and-swap still
// decides whose write lands.

export interface RequestLock {
  /** Runs `work` once every earlier holder of `key` has finished; resolves or rejects as it does. */
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
  /** Resolves once everything queued so far has finished (graceful shutdown). */
  idle(): Promise<void>;
}

/** Serialises work on one key inside this process. */
export class KeyedLock implements RequestLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
