// Runs the audit checkpoint every JIT_AUDIT_CHECKPOINT on the scheduler leader
// only: every replica ticks, and a replica that does not lead at that moment
// does nothing, so the replicas post one checkpoint between them. A failure is
// logged and tried again on the next tick; nothing is lost meanwhile (the rows
// are in the chain, and the next checkpoint anchors them too).

import type { Logger } from '../ports/logger.js';
import { Ticker } from './ticker.js';

export interface AuditCheckpointsOptions {
  intervalMs: number;
  /** Whether this replica runs the scheduler now (Leadership.isLeader). */
  leads: () => boolean;
  /** One checkpoint (workflow/audit-checkpoint.ts). */
  checkpoint: () => Promise<unknown>;
  logger: Logger;
}

export class AuditCheckpoints {
  private readonly ticker: Ticker;

  constructor(private readonly options: AuditCheckpointsOptions) {
    this.ticker = new Ticker(
      () =>
        options
          .checkpoint()
          .then(() => undefined)
          .catch((error: unknown) => options.logger.warn('could not record the audit checkpoint; trying again at the next one:', error)),
      options.intervalMs,
    );
  }

  start(): void {
    this.ticker.start();
  }

  /** One checkpoint when this replica leads; a tick while one runs joins it. */
  tick(): Promise<void> {
    return this.options.leads() ? this.ticker.tick() : Promise.resolve();
  }

  stop(): Promise<void> {
    return this.ticker.stop();
  }
}
