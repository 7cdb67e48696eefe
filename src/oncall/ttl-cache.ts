// Answers kept for JIT_ONCALL_CACHE (default 60 s), so a burst of requests asks
// PagerDuty once per schedule, and concurrent askers share one call in flight.
// Failures are not kept: the next request asks again, so a service that comes
// back counts at once.

import type { Clock } from '../ports/clock.js';

export class TtlCache<V> {
  private readonly kept = new Map<string, { value: V; until: number }>();
  private readonly inFlight = new Map<string, Promise<V>>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const kept = this.kept.get(key);
    if (kept !== undefined && kept.until > this.clock.now()) return kept.value;
    let pending = this.inFlight.get(key);
    if (pending === undefined) {
      pending = load().then(
        (value) => {
          this.inFlight.delete(key);
          if (this.ttlMs > 0) this.kept.set(key, { value, until: this.clock.now() + this.ttlMs });
          return value;
        },
        (error: unknown) => {
          this.inFlight.delete(key);
          throw error;
        },
      );
      this.inFlight.set(key, pending);
    }
    return pending;
  }
}
