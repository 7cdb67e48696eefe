// The first line of defence for expiry: one precise timer per active grant, so a
// port closes within a second of its end time. The minute sweep and the
// backend's own expiry are the second and third lines.

import type { Logger } from '@slack/bolt';
import type { AccessRequest } from '../domain/types.js';
import type { Clock } from '../workflow/ports.js';

/** setTimeout's ceiling (~24.8 days); longer waits re-arm on firing. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export class ExpiryTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly expire: (id: string) => Promise<unknown>,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  schedule(request: Pick<AccessRequest, 'id' | 'endAt'>): void {
    if (this.stopped || request.endAt === undefined) return;
    this.cancel(request.id);
    const endAt = request.endAt;
    const delay = Math.max(0, Math.min(endAt - this.clock.now(), MAX_DELAY_MS));
    const timer = setTimeout(() => {
      this.timers.delete(request.id);
      if (this.clock.now() < endAt) return this.schedule(request);
      this.expire(request.id).catch((error: unknown) => {
        this.logger.error(`expiry of request ${request.id} failed; the sweep will retry:`, error);
      });
    }, delay);
    this.timers.set(request.id, timer);
  }

  /** Runs the expiry use case again after `delayMs` (a close that failed). */
  retry(id: string, delayMs: number): void {
    if (this.stopped) return;
    this.cancel(id);
    const timer = setTimeout(() => {
      this.timers.delete(id);
      this.expire(id).catch((error: unknown) => this.logger.error(`close retry of request ${id} failed; the sweep will retry:`, error));
    }, delayMs);
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
