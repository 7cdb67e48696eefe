// One timer per active grant that fires `warningMs` before its end and asks the
// workflow to warn the requester. The workflow decides whether the warning is
// still owed (the request carries the end it last warned about), so a timer
// armed twice, or re-armed after a restart, never warns twice for one end.

import type { Logger } from '@slack/bolt';
import { expiryWarningAt } from '../domain/extension.js';
import type { AccessRequest } from '../domain/types.js';
import type { Clock } from '../workflow/ports.js';

/** setTimeout's ceiling (~24.8 days); longer waits re-arm on firing. */
const MAX_DELAY_MS = 2 ** 31 - 1;

type Warnable = Pick<AccessRequest, 'id' | 'state' | 'startAt' | 'endAt' | 'expiryWarnedFor'>;

export class WarningTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly warn: (id: string) => Promise<unknown>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly warningMs: number,
  ) {}

  /** Arms (or re-arms, after an extension) the warning for the request's current end; no-op when none is owed. */
  schedule(request: Warnable): void {
    this.cancel(request.id);
    if (this.stopped) return;
    const at = expiryWarningAt(request, this.warningMs);
    if (at === undefined) return;
    const delay = Math.max(0, Math.min(at - this.clock.now(), MAX_DELAY_MS));
    const timer = setTimeout(() => {
      this.timers.delete(request.id);
      if (this.clock.now() < at) return this.schedule(request);
      this.warn(request.id).catch((error: unknown) => {
        this.logger.warn(`expiry warning for request ${request.id} failed:`, error);
      });
    }, delay);
    this.timers.set(request.id, timer);
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
