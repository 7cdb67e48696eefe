// The event stream's timer: a delivery pass over every sink about once a
// second, on every replica (each sink's lease decides which one delivers). The
// sinks run side by side, so a slow webhook does not hold syslog back; a tick
// while a pass runs joins it. A failed pass (the database away) is logged and
// tried again at the next tick: the cursors are unchanged, nothing is lost.

import type { Logger } from '../ports/logger.js';
import { Ticker } from './ticker.js';

export interface EventStreamTimerOptions {
  pollMs: number;
  /** One delivery pass per sink. */
  passes: ReadonlyArray<() => Promise<unknown>>;
  logger: Logger;
}

export class EventStreamTimer {
  private readonly ticker: Ticker;

  constructor(options: EventStreamTimerOptions) {
    const { passes, logger } = options;
    this.ticker = new Ticker(
      () =>
        Promise.all(
          passes.map((pass) => pass().catch((error: unknown) => logger.warn('event stream pass failed; trying again at the next tick:', error))),
        ).then(() => undefined),
      options.pollMs,
    );
  }

  start(): void {
    this.ticker.start();
  }

  /** One pass over every sink; a tick while one runs joins it. */
  tick(): Promise<void> {
    return this.ticker.tick();
  }

  stop(): Promise<void> {
    return this.ticker.stop();
  }
}
