// The Slack destinations this replica cannot deliver to until a person acts
// (the bot is not in the audit channel, an approver left). The outbox worker
// reports each refused delivery here. The first refusal of a destination is
// logged once, with the fix, and told to people who can act (the approval
// channel or the admins, through `tell`); later refusals of it are logged at
// debug only. A delivery of a row that was refused clears the destination's
// problem ("delivering to … again"). /readyz lists the problems.
//
// Telling is at most once a day per destination across every replica and
// restart: a lease named after the destination marks it told. A problem that
// this replica has not seen for `forgetMs` is dropped quietly (another replica
// may have delivered the rows meanwhile).

import { type DestinationError, type DestinationRole, destinationAdvice } from '../domain/delivery-problem.js';
import type { Clock } from '../ports/clock.js';
import { logEvent } from '../ports/log-event.js';
import type { Logger } from '../ports/logger.js';
import type { LeaseStore } from '../ports/store.js';

/** A destination Slack refuses, as /readyz shows it. */
export interface DestinationProblem {
  /** The channel or user ID. */
  destination: string;
  role: DestinationRole;
  /** Slack's error code. */
  error: string;
  problem: string;
  fix: string;
  /** Epoch ms of the first refusal this replica saw. */
  since: number;
}

export interface DeliveryProblemsOptions {
  logger: Logger;
  clock: Clock;
  /** Tells people who can fix it (best effort; a failure is logged). */
  tell?: (problem: DestinationProblem) => Promise<void>;
  /** Marks a destination told, for every replica; without it each process tells once. */
  leases?: Pick<LeaseStore, 'acquireLease' | 'currentLease' | 'releaseLease'>;
  /** This replica's id: the holder of the leases it takes. */
  holder?: string;
  /** How long a told problem stays told (default a day). */
  tellAgainMs?: number;
  /** How long a problem this replica no longer sees is kept (default 10 minutes). */
  forgetMs?: number;
}

interface Tracked extends DestinationProblem {
  lastSeen: number;
  /** Outbox rows refused for it: delivering any of them shows the destination works again. */
  rows: Set<number>;
}

const DAY_MS = 24 * 3_600_000;

export class DeliveryProblems {
  private readonly tracked = new Map<string, Tracked>();
  private readonly holder: string;
  private readonly tellAgainMs: number;
  private readonly forgetMs: number;

  constructor(private readonly options: DeliveryProblemsOptions) {
    this.holder = options.holder ?? 'local';
    this.tellAgainMs = options.tellAgainMs ?? DAY_MS;
    this.forgetMs = options.forgetMs ?? 10 * 60_000;
  }

  /** Outbox row `rowId` was refused for its destination. */
  refused(rowId: number, error: DestinationError): void {
    const now = this.options.clock.now();
    const known = this.tracked.get(error.destination);
    if (known && known.error === error.code) {
      known.lastSeen = now;
      known.rows.add(rowId);
      this.options.logger.debug(`outbox row ${rowId}: ${known.problem} (${known.error}); it waits`);
      return;
    }
    const advice = destinationAdvice(error.role, error.code, error.destination);
    const problem: Tracked = {
      destination: error.destination,
      role: error.role,
      error: error.code,
      ...advice,
      since: known?.since ?? now,
      lastSeen: now,
      rows: new Set([...(known?.rows ?? []), rowId]),
    };
    this.tracked.set(error.destination, problem);
    this.options.logger.error(
      logEvent('slack.destination_refused', { destination: error.destination, error: error.code }),
      `Slack refuses messages: ${advice.problem} (${error.code}). Fix: ${advice.fix}. Its messages wait and go out once it is fixed; the rest go on.`,
    );
    if (!known) void this.announce(this.view(problem));
  }

  /** Outbox row `rowId` was delivered: a destination it was refused for takes messages again. */
  delivered(rowId: number): void {
    for (const [destination, problem] of this.tracked) {
      if (!problem.rows.has(rowId)) continue;
      this.tracked.delete(destination);
      this.options.logger.info(logEvent('slack.destination_ok', { destination }), `delivering to ${destination} again: ${problem.error} is fixed`);
      if (this.options.leases) void this.options.leases.releaseLease(leaseName(destination), this.holder).catch(() => undefined);
    }
  }

  /** The destinations refused lately, oldest problem first. */
  problems(): DestinationProblem[] {
    const now = this.options.clock.now();
    for (const [destination, problem] of this.tracked) if (now - problem.lastSeen > this.forgetMs) this.tracked.delete(destination);
    return [...this.tracked.values()].sort((a, b) => a.since - b.since).map((problem) => this.view(problem));
  }

  private view({ lastSeen: _seen, rows: _rows, ...problem }: Tracked): DestinationProblem {
    return problem;
  }

  /** Tells people once: unless a lease says another replica (or an earlier run) told it already. */
  private async announce(problem: DestinationProblem): Promise<void> {
    const { tell, leases, clock, logger } = this.options;
    if (!tell) return;
    const name = leaseName(problem.destination);
    try {
      if (leases) {
        const now = clock.now();
        if ((await leases.currentLease(name, now)) !== undefined) return;
        if ((await leases.acquireLease(name, this.holder, now, this.tellAgainMs)).holder !== this.holder) return;
      }
      await tell(problem);
    } catch (error) {
      logger.warn(`could not tell anyone in Slack that ${problem.problem}: ${error instanceof Error ? error.message : String(error)}`);
      await leases?.releaseLease(name, this.holder).catch(() => undefined);
    }
  }
}

function leaseName(destination: string): string {
  return `slack-destination-told:${destination}`;
}
