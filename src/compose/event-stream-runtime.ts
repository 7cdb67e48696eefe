// The event stream at work (loaded only when a sink is configured, so a bot
// without one never loads the delivery loop, its timer or its store): the
// timer on every replica, each sink's delivery built at the first pass.

import type { Clock } from '../ports/clock.js';
import type { EventSink, EventStreamStore } from '../ports/event-stream.js';
import { EventStreamTimer } from '../scheduler/event-stream.js';
import { SqliteEventStreamStore } from '../store/event-stream.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { SinkDelivery, type StreamObserver } from '../workflow/event-stream.js';
import type { Config } from '../config/env.js';
import type { Logger } from '../ports/logger.js';
import type { OpenedStore } from './startup.js';

export interface EventStreamDeps {
  config: Config;
  database: OpenedStore;
  replicaId: string;
  clock: Clock;
  logger: Logger;
  /** Wakes the outbox worker after a write that queued notifications. */
  kick: () => void;
  /** Lag and dead letters, for the metrics. */
  observer?: StreamObserver;
  /** How often every replica tries a pass (default 1 s; tests). */
  pollMs?: number;
  /** The sinks, when the caller checked them already (`sinkPlans`, before anything was opened); default: checked here. */
  plans?: SinkPlan[];
}

export interface EventStream {
  start(): void;
  /** One delivery pass over every sink now (tests; the bot's own timer does this on its own). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/** A configured sink, checked at start, built at the first pass. */
export type SinkPlan = { kind: 'webhook'; url: string; secret: string; ca?: string } | { kind: 'syslog'; url: string; ca?: string };

/** The stream over checked, non-empty plans: the timer and, at its first pass, the sinks. */
export function runEventStream(deps: EventStreamDeps, plans: SinkPlan[]): EventStream {
  let built: Promise<SinkDelivery[]> | undefined;
  const deliveries = () => {
    built ??= buildDeliveries(deps, plans).catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return built;
  };
  const timer = new EventStreamTimer({
    pollMs: deps.pollMs ?? 1000,
    passes: plans.map((_, index) => async () => (await deliveries())[index]!.pass()),
    logger: deps.logger,
  });
  let stopped = false;
  return {
    start() {
      timer.start();
      void timer.tick();
    },
    tick: () => (stopped ? Promise.resolve() : timer.tick()),
    async stop() {
      stopped = true;
      const sinks = (await built?.catch(() => undefined)) ?? [];
      // Each sink stops after the event in flight, not after the backlog.
      const halted = Promise.all(sinks.map((delivery) => delivery.halt()));
      await timer.stop();
      await halted;
      for (const delivery of sinks) await delivery.sink.close();
    },
  };
}

async function buildDeliveries(deps: EventStreamDeps, plans: SinkPlan[]): Promise<SinkDelivery[]> {
  const store = await streamStore(deps.database);
  const sinks = await Promise.all(plans.map((plan) => buildSink(plan, deps.clock)));
  return sinks.map(
    (sink) =>
      new SinkDelivery({
        sink,
        store,
        leases: deps.database.store,
        holder: deps.replicaId,
        clock: deps.clock,
        logger: deps.logger,
        maxAttempts: deps.config.JIT_EVENT_MAX_ATTEMPTS,
        start: deps.config.JIT_EVENT_START,
        notified: deps.kick,
        ...(deps.observer ? { observer: deps.observer } : {}),
      }),
  );
}

async function buildSink(plan: SinkPlan, clock: Clock): Promise<EventSink> {
  if (plan.kind === 'webhook') {
    const { WebhookSink } = await import('../events/webhook.js');
    return new WebhookSink({ url: plan.url, secret: plan.secret, clock, ...(plan.ca === undefined ? {} : { ca: plan.ca }) });
  }
  const { SyslogSink } = await import('../events/syslog.js');
  return new SyslogSink({ url: plan.url, ...(plan.ca === undefined ? {} : { ca: plan.ca }) });
}

/** The stream's tables in the bot's own database: SQLite's, or PostgreSQL's (its module loaded only then). */
export async function streamStore(database: Pick<OpenedStore, 'store'>): Promise<EventStreamStore> {
  const store: unknown = database.store;
  if (store instanceof SqliteStore) return new SqliteEventStreamStore(store);
  const { PostgresStore } = await import('../store/postgres/postgres-store.js');
  const { PgEventStreamStore } = await import('../store/postgres/event-stream.js');
  if (store instanceof PostgresStore) return new PgEventStreamStore(store);
  throw new Error('the event stream needs the SQLite or PostgreSQL store');
}
