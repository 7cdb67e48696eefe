// One pending timer per request ID, firing at an absolute time on the bot's
// clock. The expiry and warning timers are tables of this kind.

import type { Clock } from '../ports/clock.js';

/** setTimeout's ceiling (~24.8 days); longer waits re-arm on firing. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export class TimerTable {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly clock: Clock) {}

  protected now(): number {
    return this.clock.now();
  }

  /** Replaces any timer of `id` with one that calls `fire` at `at` (at once when past). */
  at(id: string, at: number, fire: () => void): void {
    this.cancel(id);
    if (this.stopped) return;
    const delay = Math.max(0, Math.min(at - this.clock.now(), MAX_DELAY_MS));
    const timer = setTimeout(() => {
      this.timers.delete(id);
      if (this.clock.now() < at) return this.at(id, at, fire);
      fire();
    }, delay);
    this.timers.set(id, timer);
  }

  cancel(id: string): void {
    const timer = this.timers.get(id);
    if (timer) clearTimeout(timer);
    this.timers.delete(id);
  }

  get size(): number {
    return this.timers.size;
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
