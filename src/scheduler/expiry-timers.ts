// The first line of defence for expiry: one precise timer per active grant, so a
// port closes within a second of its end time. The minute sweep and the
// backend's own expiry are the second and third lines.

import type { Logger } from '../ports/logger.js';
import type { AccessRequest } from '../domain/types.js';
import type { Clock } from '../ports/clock.js';
import { TimerTable } from './timer-table.js';

export class ExpiryTimers {
  private readonly table: TimerTable;

  constructor(
    private readonly expire: (id: string) => Promise<unknown>,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.table = new TimerTable(clock);
  }

  schedule(request: Pick<AccessRequest, 'id' | 'endAt'>): void {
    if (request.endAt === undefined) return;
    this.table.at(request.id, request.endAt, () => this.run(request.id, 'expiry'));
  }

  /** Runs the expiry use case again after `delayMs` (a close that failed). */
  retry(id: string, delayMs: number): void {
    this.table.at(id, this.clock.now() + delayMs, () => this.run(id, 'close retry'));
  }

  cancel(id: string): void {
    this.table.cancel(id);
  }

  get size(): number {
    return this.table.size;
  }

  stop(): void {
    this.table.stop();
  }

  private run(id: string, what: string): void {
    this.expire(id).catch((error: unknown) => this.logger.error(`${what} of request ${id} failed; the sweep will retry:`, error));
  }
}
