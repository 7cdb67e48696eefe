import type { Clock } from '../../src/workflow/ports.js';

/** A clock that moves only when told: time-dependent rules are tested without waiting. */
export class FakeClock implements Clock {
  constructor(private current = Date.UTC(2026, 10, 28, 9, 0, 0)) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
