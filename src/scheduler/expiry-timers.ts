// The first line of defence for expiry: a precise timer per active grant, so a
// port closes within a second of its end time. The minute sweep and the
// backend's own expiry are the second and third lines. The grants due in one
// tick are handed to the workflow together, which closes them as one batch.

import type { Logger } from '../ports/logger.js';
import type { AccessRequest } from '../domain/types.js';
import type { Clock } from '../ports/clock.js';
import { TimerTable, type TimerFunctions } from './timer-table.js';

/** Closes the grants of `ids` (due or closing); resolves with each one's outcome, in order. */
export type ExpireMany = (ids: readonly string[]) => Promise<PromiseSettledResult<unknown>[]>;

export class ExpiryTimers extends TimerTable {
  /** Ids whose entry is a retry of a failed close, for the log. */
  private readonly retries = new Set<string>();

  constructor(
    private readonly expireMany: ExpireMany,
    clock: Clock,
    private readonly logger: Logger,
    timers?: TimerFunctions,
  ) {
    super(clock, timers);
  }

  schedule(request: Pick<AccessRequest, 'id' | 'endAt'>): void {
    if (request.endAt === undefined) return;
    this.retries.delete(request.id);
    this.at(request.id, request.endAt);
  }

  /** Runs the expiry use case again after `delayMs` (a close that failed). */
  retry(id: string, delayMs: number): void {
    this.retries.add(id);
    this.at(id, this.now() + delayMs);
  }

  override cancel(id: string): void {
    this.retries.delete(id);
    super.cancel(id);
  }

  override stop(): void {
    this.retries.clear();
    super.stop();
  }

  protected due(ids: string[]): void {
    const what = ids.map((id) => (this.retries.delete(id) ? 'close retry' : 'expiry'));
    this.expireMany(ids).then(
      (outcomes) => {
        outcomes.forEach((outcome, i) => {
          if (outcome.status === 'rejected') this.failed(ids[i]!, what[i]!, outcome.reason);
        });
      },
      (error: unknown) => {
        for (const [i, id] of ids.entries()) this.failed(id, what[i]!, error);
      },
    );
  }

  private failed(id: string, what: string, error: unknown): void {
    this.logger.error(`${what} of request ${id} failed; the sweep will retry:`, error);
  }
}
