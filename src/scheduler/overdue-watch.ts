// Runs the overdue watch (workflow/overdue.ts) every second while this replica
// leads: the safety net under every grant's own timers, so a grant whose
// replica died still closes within seconds of its end. One run at a time.

import type { Logger } from '../ports/logger.js';
import type { OverdueReport } from '../workflow/overdue.js';

export const OVERDUE_WATCH_MS = 1000;

export class OverdueWatch {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly watch: () => Promise<OverdueReport>,
    private readonly logger: Logger,
    private readonly everyMs = OVERDUE_WATCH_MS,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.runOnce(), this.everyMs);
    this.timer.unref();
  }

  runOnce(): Promise<void> {
    this.running ??= this.watch()
      .then((report) => {
        if (report.closed > 0 || report.warned > 0) this.logger.info('overdue watch:', report);
      })
      .catch((error: unknown) => this.logger.error('overdue watch failed:', error))
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
