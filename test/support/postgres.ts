// The PostgreSQL server the tests use: JIT_TEST_PG_URL, else a local server
// with the `jit` role. When it cannot be reached, the PostgreSQL tests are
// skipped (saying why, once) unless JIT_TEST_PG_REQUIRED=1, as CI sets it: then
// they fail with the reason. Each test gets a fresh schema or database of its own.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, it } from 'vitest';

export const PG_URL = process.env.JIT_TEST_PG_URL ?? 'postgres://jit:jit@127.0.0.1:5432/postgres';
const REQUIRED = process.env.JIT_TEST_PG_REQUIRED === '1';

/** The URL with its password hidden, for messages. */
export function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(JIT_TEST_PG_URL is not a URL)';
  }
}

async function probe(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why the server cannot be used, or undefined when it can. Probed once per test file. */
export const pgUnavailable: string | undefined = await probe();

const reason = `PostgreSQL at ${redacted(PG_URL)} cannot be reached (${pgUnavailable})`;
if (pgUnavailable !== undefined && !REQUIRED) {
  console.warn(`${reason}: its tests are skipped. Set JIT_TEST_PG_URL to a server, or JIT_TEST_PG_REQUIRED=1 to fail instead.`);
}

/** Whether PostgreSQL tests should be registered: the server answers, or it must (and they fail). */
export const pgWanted = pgUnavailable === undefined || REQUIRED;

/** Throws the reason when the server is required but unreachable; the PostgreSQL contract engine calls it before each open. */
export function requirePg(): void {
  if (pgUnavailable !== undefined) throw new Error(`JIT_TEST_PG_REQUIRED=1, but ${reason}`);
}

/** A describe for PostgreSQL-only tests: run, skipped (server away), or one failing test (server away and required). */
export function describePg(name: string, body: () => void): void {
  if (pgUnavailable === undefined) describe(name, body);
  else if (REQUIRED) describe(name, () => it('reaches PostgreSQL', requirePg));
  else describe.skip(name, body);
}

/** Runs `work` on one connection of the test role, closed after it. */
export async function admin<T>(work: (client: pg.Client) => Promise<T>, url = PG_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function freshName(): string {
  return `jit_t_${randomBytes(6).toString('hex')}`;
}

/** A new, empty schema; drop it with dropSchemas. */
export async function createSchema(): Promise<string> {
  const schema = freshName();
  await admin((client) => client.query(`CREATE SCHEMA ${schema}`));
  return schema;
}

export async function dropSchemas(schemas: readonly string[]): Promise<void> {
  if (schemas.length === 0) return;
  await admin((client) => client.query(`DROP SCHEMA IF EXISTS ${schemas.join(', ')} CASCADE`));
}

/** A new, empty database and the URL that reaches it; `drop` ends its connections and removes it. */
export async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = freshName();
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** A store or a lock (close), or a pool (end). */
type Closeable = { close(): Promise<void> | void } | { end(): Promise<void> };

/**
 * Scratch space for one test file: schemas made with `schema()` and anything
 * passed to `track` (stores, locks, pools) are closed and dropped after each test.
 */
export function pgScratch(): { schema(): Promise<string>; track<T extends Closeable>(thing: T): T } {
  const schemas: string[] = [];
  const open: Closeable[] = [];
  afterEach(async () => {
    for (const thing of open.splice(0).reverse()) await ('close' in thing ? thing.close() : thing.end());
    await dropSchemas(schemas.splice(0));
  });
  return {
    async schema() {
      const schema = await createSchema();
      schemas.push(schema);
      return schema;
    },
    track(thing) {
      open.push(thing);
      return thing;
    },
  };
}
