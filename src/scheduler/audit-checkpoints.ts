// Runs the audit checkpoint every JIT_AUDIT_CHECKPOINT on the scheduler leader
// only: every replica ticks, and a replica that does not lead at that moment
// does nothing, so the replicas post one checkpoint between them. A failure is
// logged and tried again on the next tick; nothing is lost meanwhile (the rows
// are in the chain, and the next checkpoint anchors them too).

import type { Logger } from '../ports/logger.js';

export interface AuditCheckpointsOptions {
  intervalMs: number;
  /** Whether this replica runs the scheduler now (Leadership.isLeader). */
  leads: () => boolean;
  /** One checkpoint (workflow/audit-checkpoint.ts). */
  checkpoint: () => Promise<unknown>;
  logger: Logger;
}

export class AuditCheckpoints {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: AuditCheckpointsOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /** One checkpoint when this replica leads; a tick while one runs joins it. */
  tick(): Promise<void> {
    if (!this.options.leads()) return Promise.resolve();
    this.running ??= this.options
      .checkpoint()
      .then(() => undefined)
      .catch((error: unknown) => this.options.logger.warn('could not record the audit checkpoint; trying again at the next one:', error))
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
