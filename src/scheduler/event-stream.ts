// The event stream's timer: a delivery pass over every sink about once a
// second, on every replica (each sink's lease decides which one delivers). The
// sinks run side by side, so a slow webhook does not hold syslog back; a tick
// while a pass runs joins it. A failed pass (the database away) is logged and
// tried again at the next tick: the cursors are unchanged, nothing is lost.

import type { Logger } from '../ports/logger.js';

export interface EventStreamTimerOptions {
  pollMs: number;
  /** One delivery pass per sink. */
  passes: ReadonlyArray<() => Promise<unknown>>;
  logger: Logger;
}

export class EventStreamTimer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: EventStreamTimerOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.options.pollMs);
    this.timer.unref();
  }

  /** One pass over every sink; a tick while one runs joins it. */
  tick(): Promise<void> {
    this.running ??= Promise.all(
      this.options.passes.map((pass) =>
        pass().catch((error: unknown) => this.options.logger.warn('event stream pass failed; trying again at the next tick:', error)),
      ),
    )
      .then(() => undefined)
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
