// The one clock (STYLE.md §2). The core never reads the time itself: it asks a
// Clock, so rules, timeouts and expiry are tested without waiting.

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** The in-memory twin: time moves only when told (tests, benchmarks). */
export class ManualClock implements Clock {
  constructor(private current = Date.UTC(2026, 10, 28, 9, 0, 0)) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  set(at: number): void {
    this.current = at;
  }
}
