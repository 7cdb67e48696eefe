// Runs the overdue watch (workflow/overdue.ts) every second while this replica
// leads: the safety net under every grant's own timers, so a grant whose
// replica died still closes within seconds of its end. One run at a time.

import type { Logger } from '../ports/logger.js';
import type { OverdueReport } from '../workflow/overdue.js';
import { Ticker } from './ticker.js';

export const OVERDUE_WATCH_MS = 1000;

export class OverdueWatch {
  private readonly ticker: Ticker;

  constructor(watch: () => Promise<OverdueReport>, logger: Logger, everyMs = OVERDUE_WATCH_MS) {
    this.ticker = new Ticker(
      () =>
        watch()
          .then((report) => {
            if (report.closed > 0 || report.warned > 0) logger.info('overdue watch:', report);
          })
          .catch((error: unknown) => logger.error('overdue watch failed:', error)),
      everyMs,
    );
  }

  start(): void {
    this.ticker.start();
  }

  runOnce(): Promise<void> {
    return this.ticker.tick();
  }

  stop(): Promise<void> {
    return this.ticker.stop();
  }
}
