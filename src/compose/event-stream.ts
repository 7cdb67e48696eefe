// The event stream's composition: the sinks JIT_EVENT_* configure, fed from the
// audit chain (workflow/event-stream.ts) by a timer on every replica, each
// sink's lease deciding which replica delivers it. Nothing is built or started
// when no sink is configured; the sinks' modules (and node:tls for tls://) load
// at the first pass. A half-configured sink (a webhook URL without its secret,
// a CA file that cannot be read) stops the start with a sentence saying what to set.

import { readFileSync } from 'node:fs';
import type { EventsOpener } from '../cli/events.js';
import type { Config } from '../config/env.js';
import type { EventStream, EventStreamDeps, SinkPlan } from './event-stream-runtime.js';
import { StartupError } from './startup.js';

export type { EventStream, EventStreamDeps, SinkPlan };

export function eventStream(deps: EventStreamDeps): EventStream {
  const plans = deps.plans ?? sinkPlans(deps.config);
  if (plans.length === 0) return { start() {}, tick: async () => {}, stop: async () => {} };
  const running = import('./event-stream-runtime.js').then(({ runEventStream }) => runEventStream(deps, plans));
  return {
    start() {
      running.then(
        (stream) => stream.start(),
        (error: unknown) => deps.logger.error('the event stream could not be started:', error),
      );
    },
    tick: async () => (await running).tick(),
    stop: async () => (await running.catch(() => undefined))?.stop(),
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

/** `jit events`: the stream's tables in the database JIT_DB names, opened as the CLI's read-only commands open it. */
export const openEventsForCli: EventsOpener = async (env) => {
  const { cliConfig, openDatabase } = await import('./cli-store.js');
  const database = await openDatabase(cliConfig(env));
  try {
    const { streamStore } = await import('./event-stream-runtime.js');
    return { stream: await streamStore(database), close: () => database.close() };
  } catch (error) {
    await database.close();
    throw error;
  }
};
