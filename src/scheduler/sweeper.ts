// The second line of defence: a node-cron sweep (every minute by default) that
// closes whatever a lost timer missed. One sweep at a time, on the replica that
// holds the scheduler lease (bot.ts starts and stops it with the lease).

import type { Logger } from '../ports/logger.js';
import cron, { type ScheduledTask } from 'node-cron';
import type { SweepReport } from '../workflow/sweep.js';

export class Sweeper {
  private task: ScheduledTask | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly sweep: () => Promise<SweepReport>,
    private readonly schedule: string,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.task ??= cron.schedule(this.schedule, () => void this.runOnce(), { noOverlap: true });
  }

  /** Runs a sweep now unless one is already running; resolves when it ends. */
  runOnce(): Promise<void> {
    this.running ??= this.sweep()
      .then((report) => {
        if (Object.values(report).some((count) => count > 0)) this.logger.info('sweep:', report);
      })
      .catch((error: unknown) => this.logger.error('sweep failed:', error))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  async stop(): Promise<void> {
    // Let go of the task first: a start() while it stops (leadership regained at once) schedules a new one.
    const task = this.task;
    this.task = undefined;
    await task?.stop();
    await this.running;
  }
}
