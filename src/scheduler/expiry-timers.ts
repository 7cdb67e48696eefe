// The first line of defence for expiry: one precise timer per active grant, so a
// port closes within a second of its end time. The minute sweep and the
// backend's own expiry are the second and third lines.

import type { Logger } from '../ports/logger.js';
import type { AccessRequest } from '../domain/types.js';
import type { Clock } from '../ports/clock.js';
import { TimerTable } from './timer-table.js';

export class ExpiryTimers extends TimerTable {
  constructor(
    private readonly expire: (id: string) => Promise<unknown>,
    clock: Clock,
    private readonly logger: Logger,
  ) {
    super(clock);
  }

  schedule(request: Pick<AccessRequest, 'id' | 'endAt'>): void {
    if (request.endAt === undefined) return;
    this.at(request.id, request.endAt, () => this.run(request.id, 'expiry'));
  }

  /** Runs the expiry use case again after `delayMs` (a close that failed). */
  retry(id: string, delayMs: number): void {
    this.at(id, this.now() + delayMs, () => this.run(id, 'close retry'));
  }

  private run(id: string, what: string): void {
    this.expire(id).catch((error: unknown) => this.logger.error(`${what} of request ${id} failed; the sweep will retry:`, error));
  }
}
