// What the replica tests share: a private PostgreSQL server per test file (the
// outage test stops it), a fresh database per test, and reads of what the
// replicas wrote (events, the outbox, the audit channel).

import pg from 'pg';
import type { AuditEvent } from '../../src/domain/types.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { FakeSlack, RecordedCall } from '../support/fake-slack.js';
import { netnsUnavailable } from '../support/netns.js';
import { privatePostgresUnavailable } from '../support/pg-server.js';
import { AUDIT } from './cluster.js';

const REQUIRED = process.env.JIT_TEST_PG_REQUIRED === '1';

/** Why the replica tests cannot run here (no PostgreSQL binaries, no root, no network namespaces); undefined when they can. */
export async function replicasUnavailable(): Promise<string | undefined> {
  const why = privatePostgresUnavailable() ?? (await netnsUnavailable());
  if (why === undefined) return undefined;
  // Under CI (JIT_TEST_PG_REQUIRED=1) a missing server is a failure, not a skip.
  if (REQUIRED) throw new Error(`JIT_TEST_PG_REQUIRED=1, but the replica tests cannot run: ${why}`);
  console.warn(`replica tests skipped: ${why}`);
  return why;
}

let databases = 0;

/** A new database on the server at `serverUrl`; resolves with its URL. */
export async function createDatabase(serverUrl: string): Promise<string> {
  const name = `jit_replicas_${process.pid}_${++databases}`;
  const client = new pg.Client(serverUrl);
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** One query on a short-lived connection. */
export async function query<R extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client(url);
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

export async function undeliveredOutbox(url: string): Promise<number> {
  const [row] = await query<{ count: string }>(url, 'SELECT count(*) AS count FROM outbox WHERE delivered_at IS NULL');
  return Number(row?.count ?? 0);
}

/** Reads through the real store, as `jit audit` does. */
export async function withStore<T>(url: string, work: (store: PostgresStore) => Promise<T>): Promise<T> {
  const store = await PostgresStore.open(url, { poolSize: 2 });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

export async function eventsOf(url: string, id: string): Promise<AuditEvent[]> {
  return withStore(url, (store) => store.auditEvents(id));
}

export function countOf(names: readonly string[], name: string): number {
  return names.filter((n) => n === name).length;
}

/** The audit channel's thread of a request as Slack has it: its roots (should be one) and the replies' texts. */
export function auditThread(fake: FakeSlack, id: string): { roots: RecordedCall[]; replies: string[] } {
  const posted = fake.callsTo('chat.postMessage').filter((c) => c.response.ok);
  const roots = posted.filter((c) => c.args.channel === AUDIT && !c.args.thread_ts && JSON.stringify(c.args).includes(`#${id}`));
  const rootTs = new Set(roots.map((root) => String(root.response.ts)));
  const replies = posted.filter((c) => rootTs.has(String(c.args.thread_ts))).map((c) => String(c.args.text));
  return { roots, replies };
}

/** Successful posts that say the same thing in the same place twice. */
export function duplicatePosts(fake: FakeSlack): string[] {
  const seen = new Map<string, number>();
  for (const call of fake.callsTo('chat.postMessage').filter((c) => c.response.ok)) {
    const key = `${String(call.args.channel)} | ${String(call.args.thread_ts ?? '')} | ${String(call.args.text)}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, count]) => count > 1).map(([key, count]) => `${count}× ${key}`);
}
