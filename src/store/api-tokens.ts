// ApiTokenStore on SQLite: the `api_tokens` table (schema 9) in the bot's own
// database, each change written with its audit event in one IMMEDIATE
// transaction through SqliteStore.writeWithSystemEvents, so the live-token
// count and the insert cannot interleave with another write.

import type { ApiToken } from '../domain/api-token-record.js';
import type { Notification } from '../domain/notification.js';
import type { SystemEvent } from '../domain/types.js';
import type { ApiTokenStore, CreateTokenOutcome } from '../ports/api-tokens.js';
import type { SqliteStore } from './sqlite-store.js';
import { Outcome, rolledBack, type TokenRow, tokenOf } from './api-token-rows.js';

/** The part of SqliteStore this module uses. */
export type SqliteTokenHost = Pick<SqliteStore, 'writeWithSystemEvents' | 'withDatabase'>;

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
