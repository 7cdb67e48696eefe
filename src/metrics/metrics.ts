// The bot's Prometheus metrics, one registry per bot (tests run many bots in
// one process). The workflow knows nothing of them: the counters and
// histograms follow the audit events as they are committed (the workflow
// listener's `committed`), the sweep's report and the Slack API calls that
// fail; the gauges are read when Prometheus scrapes.

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { isTerminal } from '../domain/lifecycle.js';
import type { AuditEvent } from '../domain/types.js';
import type { Logger } from '../ports/logger.js';
import type { OutboxStats } from '../ports/store.js';
import type { Committed } from '../workflow/context.js';
import type { ReconcileReport } from '../workflow/reconcile.js';

export interface MetricsSources {
  /** Grants open now (active). */
  openGrants(): Promise<number>;
  /** The outbox's undelivered rows. */
  backlog(): Promise<OutboxStats>;
  now(): number;
  logger: Logger;
}

/** Approvals not followed by an open within this many requests are forgotten (a crash between them, an open that failed). */
const REMEMBERED = 10_000;

export class JitMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'outcome' | 'kind'>;
  private readonly decisions: Counter<'effect'>;
  private readonly approvalWait: Histogram<'outcome'>;
  private readonly clickToOpen: Histogram;
  private readonly endToClose: Histogram<'reason'>;
  private readonly closeFailures: Counter;
  private readonly drift: Counter<'kind'>;
  private readonly slackErrors: Counter<'method' | 'error'>;
  private readonly listenerRestarts: Counter;
  private readonly streamLagGauge: Gauge<'sink'>;
  private readonly deadLetters: Counter<'sink'>;
  /** When each request was approved, until its grant opens: click-to-open. */
  private readonly approvedAt = new Map<string, number>();
  /** When each grant began to close, until it is closed: a revoke's end. */
  private readonly closingAt = new Map<string, number>();

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'jit_requests_total',
      help: 'Requests that reached an end, by outcome (closed, denied, cancelled, timed_out, failed) and kind (grant, extension).',
      labelNames: ['outcome', 'kind'],
      registers,
    });
    this.decisions = new Counter({
      name: 'jit_decisions_total',
      help: 'Rule decisions on new requests, by effect (approve, require_approval, deny, break_glass).',
      labelNames: ['effect'],
      registers,
    });
    this.approvalWait = new Histogram({
      name: 'jit_approval_wait_seconds',
      help: 'From a request waiting for approvers to its approval or denial.',
      labelNames: ['outcome'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
      registers,
    });
    this.clickToOpen = new Histogram({
      name: 'jit_click_to_open_seconds',
      help: 'From the approval (the approver’s click, or a rule’s at creation) to the port open on the firewall.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    });
    this.endToClose = new Histogram({
      name: 'jit_end_to_close_seconds',
      help: 'From a grant’s end (its end time, or the revoke) to the port closed on the firewall, by reason (expired, revoked, vanished).',
      labelNames: ['reason'],
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.closeFailures = new Counter({
      name: 'jit_close_failures_total',
      help: 'Failed attempts to close a grant on the firewall (each is retried).',
      registers,
    });
    this.drift = new Counter({
      name: 'jit_drift_found_total',
      help: 'What reconciliation found: allow rules no grant explains, closed (orphan_closed); grants whose rules vanished (vanished); rules left for a human (unresolved).',
      labelNames: ['kind'],
      registers,
    });
    this.slackErrors = new Counter({
      name: 'jit_slack_api_errors_total',
      help: 'Slack Web API calls that failed (after the client’s retries), by method and error.',
      labelNames: ['method', 'error'],
      registers,
    });
    this.listenerRestarts = new Counter({
      name: 'jit_slack_listener_restarts_total',
      help: 'Times the thread that serves PORT in HTTP mode (the ack front) stopped and was started again.',
      registers,
    });
    this.streamLagGauge = new Gauge({
      name: 'jit_event_stream_lag_events',
      help: 'Audit events an event stream sink (webhook, syslog) is behind the chain’s newest, as last seen by the replica delivering it.',
      labelNames: ['sink'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'jit_event_stream_dead_letters_total',
      help: 'Audit events an event stream sink gave up on after JIT_EVENT_MAX_ATTEMPTS attempts (each is kept for replay).',
      labelNames: ['sink'],
      registers,
    });
    const openGrants: Gauge = new Gauge({
      name: 'jit_open_grants',
      help: 'Grants open now.',
      registers,
      collect: () => this.read('open grants', openGrants, sources.openGrants()),
    });
    this.backlogGauges(() => sources.backlog());
  }

  /** A write was committed: count and time what its audit events say. Never throws (metrics must not fail a use case). */
  committed(write: Committed): void {
    try {
      for (const event of write.events) this.observe(event, write);
      const { request, previous } = write;
      if (isTerminal(request.state) && (previous === undefined || !isTerminal(previous.state))) {
        this.requests.inc({ outcome: request.state, kind: request.kind });
        this.approvedAt.delete(request.id);
        this.closingAt.delete(request.id);
      }
    } catch (error) {
      this.sources.logger.warn('metrics: could not count a committed write:', error);
    }
  }

  /** A sweep's reconciliation found (and closed) drift. */
  swept(report: ReconcileReport): void {
    if (report.orphansClosed > 0) this.drift.inc({ kind: 'orphan_closed' }, report.orphansClosed);
    if (report.vanished > 0) this.drift.inc({ kind: 'vanished' }, report.vanished);
    if (report.unresolved > 0) this.drift.inc({ kind: 'unresolved' }, report.unresolved);
  }

  /** A Slack Web API call failed. */
  slackApiFailed(method: string, error: string): void {
    this.slackErrors.inc({ method, error });
  }

  /** The ack front's thread stopped; it is being started again. */
  slackListenerRestarted(): void {
    this.listenerRestarts.inc();
  }

  /** How many events a sink is behind the chain's head (after each delivery pass). */
  streamLag(sink: string, events: number): void {
    this.streamLagGauge.set({ sink }, events);
  }

  /** A sink dead-lettered an event. */
  streamDeadLettered(sink: string): void {
    this.deadLetters.inc({ sink });
  }

  /** The text Prometheus scrapes. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await Registry.merge([processRegistry(), this.registry]).metrics() };
  }

  private observe(event: AuditEvent, write: Committed): void {
    const { request, previous } = write;
    switch (event.name) {
      case 'request.created':
        this.decisions.inc({ effect: request.decision.effect });
        break;
      case 'request.approved':
      case 'request.denied':
        // Waited for people only when the rules asked for approval (a rule's own decision is instant).
        if (request.decision.effect === 'require_approval' && previous?.state === 'pending')
          this.approvalWait.observe({ outcome: event.name === 'request.approved' ? 'approved' : 'denied' }, seconds(event.at - request.createdAt));
        if (event.name === 'request.approved') remember(this.approvedAt, request.id, event.at);
        break;
      case 'grant.opened': {
        const approved = this.approvedAt.get(request.id);
        if (approved !== undefined) this.clickToOpen.observe(seconds(event.at - approved));
        this.approvedAt.delete(request.id);
        break;
      }
      case 'grant.closing':
        remember(this.closingAt, request.id, event.at);
        break;
      case 'grant.closed': {
        const began = this.closingAt.get(request.id) ?? event.at;
        const end = Math.min(previous?.endAt ?? began, began);
        this.endToClose.observe({ reason: request.reason ?? 'closed' }, seconds(event.at - end));
        this.closingAt.delete(request.id);
        break;
      }
      case 'grant.close_failed':
        this.closeFailures.inc();
        break;
    }
  }

  private backlogGauges(backlog: () => Promise<OutboxStats>): void {
    const registers = [this.registry];
    const pending: Gauge = new Gauge({
      name: 'jit_outbox_pending',
      help: 'Slack messages written but not yet delivered.',
      registers,
      collect: () =>
        this.read(
          'the outbox backlog',
          pending,
          backlog().then((b) => b.pending),
        ),
    });
    const oldest: Gauge = new Gauge({
      name: 'jit_outbox_oldest_age_seconds',
      help: 'Age of the oldest undelivered Slack message (0 when none waits).',
      registers,
      collect: () =>
        this.read(
          'the outbox backlog',
          oldest,
          backlog().then((b) => (b.oldestAt === undefined ? 0 : seconds(this.sources.now() - b.oldestAt))),
        ),
    });
  }

  /** Sets a gauge from a store read; a failed read leaves the gauge without a value (a scrape still answers). */
  private async read(what: string, gauge: Gauge, value: Promise<number>): Promise<void> {
    try {
      gauge.set(await value);
    } catch (error) {
      gauge.reset();
      this.sources.logger.warn(`metrics: could not read ${what}:`, error);
    }
  }
}

let processMetrics: Registry | undefined;

/** Node's own metrics (memory, CPU, event loop lag): the process's, so collected once however many bots it runs. */
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}

function seconds(ms: number): number {
  return Math.max(0, ms) / 1000;
}

function remember(map: Map<string, number>, id: string, at: number): void {
  map.set(id, at);
  if (map.size > REMEMBERED) map.delete(map.keys().next().value as string);
}
