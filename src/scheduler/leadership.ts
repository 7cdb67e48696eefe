// Which replica runs the jobs only one may run: the minute sweep (pending
// timeouts, reminders, reconciliation, drift) and the overdue watch. The
// replicas share a lease in the database: the holder renews it every second,
// the others try to take it every second, and a holder that dies (or loses the
// database) stops renewing, so its lease runs out and another replica takes
// over within the lease's length plus one try. Every job is also safe to run
// twice (each change is a compare-and-swap under the request's lock), so a
// brief overlap when a partitioned leader has not yet noticed costs nothing
// but work.

import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { type Lease, type LeaseStore, SCHEDULER_LEASE } from '../ports/store.js';

export const LEADER_TTL_MS = 3000;
export const LEADER_RENEW_MS = 1000;

export interface LeadershipOptions {
  /** This replica's id (JIT_REPLICA_ID, or host and pid). */
  holder: string;
  clock: Clock;
  logger: Logger;
  /** This replica now leads: start the jobs (and catch up). */
  onLead(): void;
  /** This replica no longer leads: stop them. */
  onFollow(): void;
  ttlMs?: number;
  renewMs?: number;
  /** A monotonic clock for "my lease has run out" (tests drive it); performance.now by default. */
  monotonic?: () => number;
}

export class Leadership {
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  /** On the monotonic clock: after it, this replica's lease may have run out even if it cannot tell. */
  private leadsUntil = 0;
  private lastSeen: Lease | undefined;
  private trying: Promise<void> | undefined;
  private readonly ttlMs: number;
  private readonly renewMs: number;
  private readonly monotonic: () => number;

  constructor(
    private readonly store: LeaseStore,
    private readonly options: LeadershipOptions,
  ) {
    this.ttlMs = options.ttlMs ?? LEADER_TTL_MS;
    this.renewMs = options.renewMs ?? LEADER_RENEW_MS;
    this.monotonic = options.monotonic ?? (() => performance.now());
  }

  /** Tries once now (so startup knows whether it leads), then every renewal period. */
  async start(): Promise<void> {
    await this.tryLead();
    this.timer ??= setInterval(() => void this.tryLead(), this.renewMs);
    this.timer.unref();
  }

  isLeader(): boolean {
    return this.leading && this.monotonic() < this.leadsUntil;
  }

  /** The holder as last seen (undefined: nobody, or the database could not be asked). */
  leader(): string | undefined {
    return this.lastSeen?.holder;
  }

  /** One attempt to take or renew the lease; a failure (the database is down) counts as not leading once the lease may have run out. */
  tryLead(): Promise<void> {
    this.trying ??= this.attempt().finally(() => {
      this.trying = undefined;
    });
    return this.trying;
  }

  /** Stops trying and gives the lease up, so another replica takes over at once rather than after it runs out. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.trying;
    const wasLeading = this.leading;
    this.follow();
    if (wasLeading) {
      await this.store
        .releaseLease(SCHEDULER_LEASE, this.options.holder)
        .catch((error: unknown) => this.options.logger.warn('could not give up the scheduler lease:', error));
    }
  }

  private async attempt(): Promise<void> {
    const asked = this.monotonic();
    try {
      const lease = await this.store.acquireLease(SCHEDULER_LEASE, this.options.holder, this.options.clock.now(), this.ttlMs);
      this.lastSeen = lease;
      if (lease.holder === this.options.holder) {
        // Counted from before the call: the database may have stamped it a little later, never earlier.
        this.leadsUntil = asked + this.ttlMs;
        if (!this.leading) {
          this.leading = true;
          this.options.logger.info(`this replica (${this.options.holder}) now runs the scheduler`);
          this.options.onLead();
        }
        return;
      }
    } catch (error) {
      this.lastSeen = undefined;
      if (this.leading && this.monotonic() < this.leadsUntil) return;
      if (this.leading) this.options.logger.warn('the scheduler lease could not be renewed; stepping down:', error);
    }
    this.follow();
  }

  private follow(): void {
    if (!this.leading) return;
    this.leading = false;
    this.options.onFollow();
  }
}
