// Connections to PostgreSQL, built one way for the store and for the request
// lock (each has a pool of its own): BIGINT read as a JS number for these pools
// only (pg's global parsers stay as they are), the tables looked up in one
// schema when one is named, every string made storable as text, and a
// connection that failed destroyed rather than handed out again.

import pg from 'pg';
import type { CustomTypesConfig, PoolClient, PoolConfig } from 'pg';
import { chainText } from '../../domain/audit-chain.js';
import { JitError } from '../../domain/errors.js';

export interface PgPoolOptions {
  /** Most connections open at once (default 10). */
  poolSize?: number;
  /** The schema holding the tables, set as every connection's search_path; default: the server's search_path. */
  schema?: string;
  /** How the connections show in pg_stat_activity (default `jit-access-bot`); the URL's application_name wins. */
  applicationName?: string;
}

export type PgPool = pg.Pool;
export type { PoolClient };

const INT8_OID = 20;
const DEFAULT_POOL_SIZE = 10;
const CONNECT_TIMEOUT_MS = 10_000;

/** Epoch ms and counts are BIGINT; they read as numbers, as better-sqlite3 reads INTEGER. */
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format),
} as CustomTypesConfig;

export function createPool(url: string, options: PgPoolOptions, settings: PoolConfig = {}): PgPool {
  const size = options.poolSize ?? DEFAULT_POOL_SIZE;
  if (!Number.isInteger(size) || size < 1) throw new JitError('jit_config_invalid', `the PostgreSQL pool size must be a whole number from 1, not ${size}`);
  const { schema } = options;
  const pool = new pg.Pool({
    connectionString: url,
    max: size,
    application_name: options.applicationName ?? 'jit-access-bot',
    types,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    ...(schema === undefined ? {} : { onConnect: (client) => client.query(`SET search_path TO ${quoteIdentifier(schema)}`) }),
    ...settings,
  });
  // An idle connection that breaks (a server restart) is already dropped by the
  // pool; the next query opens another or fails with jit_store_failed.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * What PostgreSQL can keep as text: it has no U+0000, and a lone surrogate has
 * no UTF-8 form (pg would send U+FFFD for it). Both become U+FFFD before a value
 * is sent, so what an audit row is hashed over is what it reads back as. JSON
 * columns are unaffected: JSON.stringify escapes both.
 */
export function storableText(text: string): string {
  return chainText(text).replaceAll('\u0000', '\uFFFD');
}

/** Runs one statement, every string parameter made storable. */
export function run<R extends pg.QueryResultRow = Record<string, unknown>>(
  on: PgPool | PoolClient,
  text: string,
  values: readonly unknown[] = [],
): Promise<pg.QueryResult<R>> {
  return on.query<R>(
    text,
    values.map((value) => (typeof value === 'string' ? storableText(value) : value)),
  );
}

/**
 * Runs `work` in one transaction on one connection: committed when it resolves,
 * rolled back when it throws. A connection whose rollback fails is destroyed.
 */
export async function inTransaction<T>(pool: PgPool, work: (client: PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  try {
    await client.query(begin);
    try {
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackFailed: Error) => {
        broken ??= rollbackFailed;
      });
      throw error;
    }
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The URL without its password, for error messages. */
export function describeDatabase(url: string, schema?: string): string {
  let where = 'the PostgreSQL database';
  try {
    const parsed = new URL(url);
    where = `postgres://${parsed.host}${parsed.pathname}`;
  } catch {
    // not a URL (a libpq key=value string): named generically rather than echoed with its password
  }
  return schema === undefined ? where : `${where} (schema ${schema})`;
}
