// A per-requester sliding-window limit. Pure: the times of the requester's
// recent requests come from the store (where every replica's requests are
// counted), and the time now is passed in.

export interface RateLimit {
  max: number;
  windowMs: number;
}

export type RateVerdict = { ok: true } | { ok: false; retryAfterMs: number };

/** The earliest time a request still counts at `now`: the store is asked for the times at or after it. */
export function windowStart(limit: RateLimit, now: number): number {
  return now - limit.windowMs + 1;
}

/** Whether one more request is allowed at `now`, given when the earlier ones were made (oldest first); refused: how long until it is. */
export function rateVerdict(limit: RateLimit, times: readonly number[], now: number): RateVerdict {
  const recent = times.filter((at) => at >= windowStart(limit, now));
  return recent.length >= limit.max ? { ok: false, retryAfterMs: recent[recent.length - limit.max]! + limit.windowMs - now } : { ok: true };
}
