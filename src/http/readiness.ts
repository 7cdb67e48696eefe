// GET /readyz: whether this replica can serve — its database answers, its
// backends are healthy, Slack accepted its token and channels — and which
// replica runs the scheduler. A load balancer sends traffic only to ready
// replicas; /healthz stays the liveness probe.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../ports/clock.js';
import { type LeaseStore, SCHEDULER_LEASE, type StoreLifecycle } from '../ports/store.js';
import type { BackendRegistry } from '../workflow/backends.js';
import type { DestinationProblem } from '../workflow/delivery-problems.js';
import { healthReport, type HealthReport } from './health.js';

export interface ReadinessReport extends Omit<HealthReport, 'status'> {
  status: 'ready' | 'not_ready';
  replica: string;
  /** Whether this replica runs the scheduler now. */
  leads: boolean;
  /** The replica that runs the scheduler, as the database says; null when none does (or the database cannot say). */
  leader: string | null;
  /** `ok` once Slack accepted the token and the channels have the bot; otherwise why not (the bot retries). */
  slack: string;
  /** Destinations Slack refuses (the bot not in the audit channel…): their messages wait; the replica still serves. */
  slack_destinations: Array<Omit<DestinationProblem, 'since'> & { since: string }>;
}

export interface ReadinessDeps {
  store: Pick<StoreLifecycle, 'ping'> & Pick<LeaseStore, 'currentLease'>;
  backends: BackendRegistry;
  replicaId: string;
  clock: Clock;
  leads(): boolean;
  /** The Slack set-up checks: `ok`, or why this replica cannot serve yet. */
  slack(): string;
  /** The destinations this replica's outbox worker found Slack refusing. */
  destinations?(): DestinationProblem[];
}

export async function readinessReport(deps: ReadinessDeps): Promise<ReadinessReport> {
  const { status, ...health } = await healthReport(deps.store, deps.backends);
  const lease = health.database === 'ok' ? await deps.store.currentLease(SCHEDULER_LEASE, deps.clock.now()).catch(() => undefined) : undefined;
  const slack = deps.slack();
  const ready = status === 'ok' && slack === 'ok';
  // Not a reason to take the replica out: every replica has the same Slack, and approvals, grants and other lanes go on.
  const slack_destinations = (deps.destinations?.() ?? []).map((problem) => ({ ...problem, since: new Date(problem.since).toISOString() }));
  return {
    status: ready ? 'ready' : 'not_ready',
    replica: deps.replicaId,
    leads: deps.leads(),
    leader: lease?.holder ?? null,
    slack,
    slack_destinations,
    ...health,
  };
}

export function readinessRoute(deps: ReadinessDeps) {
  return {
    path: '/readyz',
    method: ['GET'],
    handler: async (_req: IncomingMessage, res: ServerResponse) => {
      const report = await readinessReport(deps);
      res.writeHead(report.status === 'ready' ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(report));
    },
  };
}
