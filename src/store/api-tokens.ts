// ApiTokenStore on SQLite: the `api_tokens` table (schema 9) in the bot's own
// database, each change written with its audit event in one IMMEDIATE
// transaction through SqliteStore.writeWithSystemEvents, so the live-token
// count and the insert cannot interleave with another write.

import type { ApiToken } from '../domain/api-token-record.js';
import type { Notification } from '../domain/notification.js';
import type { SystemEvent } from '../domain/types.js';
import type { ApiTokenStore, CreateTokenOutcome } from '../ports/api-tokens.js';
import type { SqliteStore } from './sqlite-store.js';

/** The part of SqliteStore this module uses. */
export type SqliteTokenHost = Pick<SqliteStore, 'writeWithSystemEvents' | 'withDatabase'>;

interface TokenRow {
  id: string;
  owner: string;
  name: string;
  secret_hash: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  revoked_by: string | null;
  last_used_at: number | null;
}

/** Thrown inside a transaction to roll it back with an outcome rather than an error. */
class Outcome {
  constructor(readonly value: CreateTokenOutcome | false) {}
}

const LIVE_COUNT = 'SELECT COUNT(*) AS n FROM api_tokens WHERE owner = ? AND revoked_at IS NULL AND expires_at > ?';

export class SqliteApiTokenStore implements ApiTokenStore {
  constructor(private readonly host: SqliteTokenHost) {}

  async createToken(token: ApiToken, maxLive: number, event: SystemEvent, notifications: Notification[]): Promise<CreateTokenOutcome> {
    return (await rolledBack(() =>
      this.host.writeWithSystemEvents(
        'create an API token',
        (db) => {
          if (db.prepare('SELECT 1 FROM api_tokens WHERE id = ?').get(token.id) !== undefined) throw new Outcome('duplicate_id');
          const { n } = db.prepare(LIVE_COUNT).get(token.owner, token.createdAt) as { n: number };
          if (n >= maxLive) throw new Outcome('too_many');
          db.prepare(
            'INSERT INTO api_tokens (id, owner, name, secret_hash, created_at, expires_at) VALUES (@id, @owner, @name, @secretHash, @createdAt, @expiresAt)',
          ).run({ id: token.id, owner: token.owner, name: token.name, secretHash: token.secretHash, createdAt: token.createdAt, expiresAt: token.expiresAt });
          return 'created' as const;
        },
        [event],
        notifications,
      ),
    )) as CreateTokenOutcome;
  }

  tokenById(id: string): Promise<ApiToken | undefined> {
    return this.host.withDatabase('read an API token', (db) => {
      const row = db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(id) as TokenRow | undefined;
      return row === undefined ? undefined : tokenOf(row);
    });
  }

  liveTokensOf(owner: string, now: number): Promise<ApiToken[]> {
    return this.host.withDatabase('list API tokens', (db) =>
      (
        db.prepare('SELECT * FROM api_tokens WHERE owner = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY expires_at, id').all(owner, now) as TokenRow[]
      ).map(tokenOf),
    );
  }

  async revokeToken(id: string, by: string, at: number, event: SystemEvent, notifications: Notification[]): Promise<boolean> {
    return (await rolledBack(() =>
      this.host.writeWithSystemEvents(
        'revoke an API token',
        (db) => {
          const changed = db.prepare('UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL').run(at, by, id).changes;
          if (changed !== 1) throw new Outcome(false);
          return true;
        },
        [event],
        notifications,
      ),
    )) as boolean;
  }

  async recordTokenUse(id: string, at: number, event: SystemEvent): Promise<boolean> {
    return (await rolledBack(() =>
      this.host.writeWithSystemEvents(
        'record an API token use',
        (db) => {
          const changed = db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND revoked_at IS NULL AND expires_at > ?').run(at, id, at).changes;
          if (changed !== 1) throw new Outcome(false);
          return true;
        },
        [event],
        [],
      ),
    )) as boolean;
  }
}

/** The write's result, or the outcome it rolled back with. */
async function rolledBack<T>(write: () => Promise<T>): Promise<T | CreateTokenOutcome | false> {
  try {
    return await write();
  } catch (error) {
    const outcome = outcomeIn(error);
    if (outcome !== undefined) return outcome.value;
    throw error;
  }
}

/** The store's guard wraps what a write throws (a JitError keeps its cause): the Outcome is found either way. */
function outcomeIn(error: unknown): Outcome | undefined {
  if (error instanceof Outcome) return error;
  if (error instanceof Error && error.cause instanceof Outcome) return error.cause;
  return undefined;
}

function tokenOf(row: TokenRow): ApiToken {
  return {
    id: row.id,
    owner: row.owner,
    name: row.name,
    secretHash: row.secret_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }),
    ...(row.revoked_by === null ? {} : { revokedBy: row.revoked_by }),
    ...(row.last_used_at === null ? {} : { lastUsedAt: row.last_used_at }),
  };
}
