// A timer per active grant that fires `warningMs` before its end and asks the
// workflow to warn the requester. The workflow decides whether the warning is
// still owed (the request carries the end it last warned about), so a timer
// armed twice, or re-armed after a restart, never warns twice for one end.

import type { Logger } from '../ports/logger.js';
import { expiryWarningAt } from '../domain/extension.js';
import type { GrantRequest } from '../domain/types.js';
import type { Clock } from '../ports/clock.js';
import { TimerTable, type TimerFunctions } from './timer-table.js';

/** What arming needs to know of a grant (an extension request has no end of its own, so never gets here). */
export type Warnable = Pick<GrantRequest, 'id' | 'state' | 'startAt' | 'endAt' | 'expiryWarnedFor'>;

export class WarningTimers extends TimerTable {
  constructor(
    private readonly warn: (id: string) => Promise<unknown>,
    clock: Clock,
    private readonly logger: Logger,
    private readonly warningMs: number,
    timers?: TimerFunctions,
  ) {
    super(clock, timers);
  }

  /** Arms (or re-arms, after an extension) the warning for the request's current end; no-op when none is owed. */
  schedule(request: Warnable): void {
    const at = expiryWarningAt(request, this.warningMs);
    if (at === undefined) return this.cancel(request.id);
    this.at(request.id, at);
  }

  protected due(ids: string[]): void {
    for (const id of ids) {
      this.warn(id).catch((error: unknown) => this.logger.warn(`expiry warning for request ${id} failed:`, error));
    }
  }
}
