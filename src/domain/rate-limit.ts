// A per-key sliding-window limit (requests per user). Pure: time is passed in,
// and the state is a plain map the caller owns.

export interface RateLimit {
  max: number;
  windowMs: number;
}

export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(private readonly limit: RateLimit) {}

  /** Records a hit and says whether it is allowed; a refused hit is not recorded. */
  take(key: string, now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    const verdict = this.check(key, now);
    if (verdict.ok) this.record(key, now);
    return verdict;
  }

  /** Whether a hit now would be allowed, without recording one (record it once it counted). */
  check(key: string, now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    const recent = this.recent(key, now);
    return recent.length >= this.limit.max ? { ok: false, retryAfterMs: recent[0]! + this.limit.windowMs - now } : { ok: true };
  }

  record(key: string, now: number): void {
    const since = now - this.limit.windowMs;
    const recent = this.recent(key, now);
    recent.push(now);
    this.hits.set(key, recent);
    // Forget quiet keys, so the map does not grow with every user ever seen.
    if (this.hits.size > 10_000) for (const [other, times] of this.hits) if (times.every((at) => at <= since)) this.hits.delete(other);
  }

  private recent(key: string, now: number): number[] {
    const since = now - this.limit.windowMs;
    return (this.hits.get(key) ?? []).filter((at) => at > since);
  }
}
