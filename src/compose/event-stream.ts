// The event stream's composition: the sinks JIT_EVENT_* configure, fed from the
// audit chain (workflow/event-stream.ts) by a timer on every replica, each
// sink's lease deciding which replica delivers it. Nothing is built or started
// when no sink is configured; the sinks' modules (and node:tls for tls://) load
// at the first pass. A half-configured sink (a webhook URL without its secret,
// a CA file that cannot be read) stops the start with a sentence saying what to set.

import { readFileSync } from 'node:fs';
import type { EventsOpener } from '../cli/events.js';
import type { Config } from '../config/env.js';
import type { Clock } from '../ports/clock.js';
import type { EventSink, EventStreamStore } from '../ports/event-stream.js';
import type { Logger } from '../ports/logger.js';
import { EventStreamTimer } from '../scheduler/event-stream.js';
import { SqliteEventStreamStore } from '../store/event-stream.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { SinkDelivery, type StreamObserver } from '../workflow/event-stream.js';
import { type OpenedStore, StartupError } from './startup.js';

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

export function eventStream(deps: EventStreamDeps): EventStream {
  const plans = deps.plans ?? sinkPlans(deps.config);
  if (plans.length === 0) return { start() {}, tick: async () => {}, stop: async () => {} };
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

/** The sinks the environment configures, each whole; a half-configured one throws StartupError saying what to set. */
export function sinkPlans(config: Config): SinkPlan[] {
  const plans: SinkPlan[] = [];
  const { JIT_EVENT_WEBHOOK_URL: url, JIT_EVENT_WEBHOOK_SECRET: secret, JIT_EVENT_WEBHOOK_CA: webhookCa } = config;
  if (url !== undefined && secret === undefined) {
    throw new StartupError(
      'JIT_EVENT_WEBHOOK_URL is set but JIT_EVENT_WEBHOOK_SECRET is not: set it to a random secret of at least 32 characters (e.g. `openssl rand -hex 32`) and give the receiver the same secret to check X-Jit-Signature',
    );
  }
  if (url === undefined && secret !== undefined) {
    throw new StartupError(
      'JIT_EVENT_WEBHOOK_SECRET is set but JIT_EVENT_WEBHOOK_URL is not: set the https:// URL the events are posted to, or remove the secret',
    );
  }
  if (url === undefined && webhookCa !== undefined) {
    throw new StartupError('JIT_EVENT_WEBHOOK_CA is set but JIT_EVENT_WEBHOOK_URL is not: set the webhook URL, or remove the CA');
  }
  if (url !== undefined && secret !== undefined) {
    plans.push({ kind: 'webhook', url, secret, ...(webhookCa === undefined ? {} : { ca: readCa('JIT_EVENT_WEBHOOK_CA', webhookCa) }) });
  }
  const syslog = config.JIT_EVENT_SYSLOG_URL;
  const syslogCa = config.JIT_EVENT_SYSLOG_CA;
  if (syslogCa !== undefined && (syslog === undefined || !syslog.startsWith('tls:'))) {
    throw new StartupError('JIT_EVENT_SYSLOG_CA is set but JIT_EVENT_SYSLOG_URL is not a tls:// URL: use tls://host:port (RFC 5425), or remove the CA');
  }
  if (syslog !== undefined) plans.push({ kind: 'syslog', url: syslog, ...(syslogCa === undefined ? {} : { ca: readCa('JIT_EVENT_SYSLOG_CA', syslogCa) }) });
  return plans;
}

/** The PEM a CA variable names, read at start so a wrong path stops it. */
function readCa(variable: string, file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new StartupError(
      `${variable} ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): point it at a PEM file of the CA certificate(s)`,
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new StartupError(
      `${variable} ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----): point it at the CA certificate(s) that issued the server's`,
    );
  }
  return pem;
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

/** `jit events`: the stream's tables in the database JIT_DB names, opened as the CLI's read-only commands open it. */
export const openEventsForCli: EventsOpener = async (env) => {
  const { cliConfig, openDatabase } = await import('./cli-store.js');
  const database = await openDatabase(cliConfig(env));
  try {
    return { stream: await streamStore(database), close: () => database.close() };
  } catch (error) {
    await database.close();
    throw error;
  }
};

/** The stream's tables in the bot's own database: SQLite's, or PostgreSQL's (its module loaded only then). */
async function streamStore(database: Pick<OpenedStore, 'store'>): Promise<EventStreamStore> {
  const store: unknown = database.store;
  if (store instanceof SqliteStore) return new SqliteEventStreamStore(store);
  const { PostgresStore } = await import('../store/postgres/postgres-store.js');
  const { PgEventStreamStore } = await import('../store/postgres/event-stream.js');
  if (store instanceof PostgresStore) return new PgEventStreamStore(store);
  throw new Error('the event stream needs the SQLite or PostgreSQL store');
}
