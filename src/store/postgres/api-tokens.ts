// ApiTokenStore on PostgreSQL: the `api_tokens` table (schema 9) in the bot's
// database, each change written with its audit event in one transaction
// through PostgresStore.writeWithSystemEvents. Replicas share the table: a
// transaction-scoped advisory lock on the owner makes the live-token count
// and the insert one step, and every update is a compare-and-swap.

import type { ApiToken } from '../../domain/api-token-record.js';
import type { Notification } from '../../domain/notification.js';
import type { SystemEvent } from '../../domain/types.js';
import type { ApiTokenStore, CreateTokenOutcome } from '../../ports/api-tokens.js';
import { run } from './pool.js';
import type { PostgresStore } from './postgres-store.js';
import { Outcome, rolledBack, type TokenRow, tokenOf } from '../api-token-rows.js';

/** The part of PostgresStore this module uses. */
export type PgTokenHost = Pick<PostgresStore, 'writeWithSystemEvents' | 'withPool'>;

export class PgApiTokenStore implements ApiTokenStore {
  constructor(private readonly host: PgTokenHost) {}

  async createToken(token: ApiToken, maxLive: number, event: SystemEvent, notifications: Notification[]): Promise<CreateTokenOutcome> {
    return (await rolledBack(() =>
      this.host.writeWithSystemEvents(
        'create an API token',
        async (client) => {
          await run(client, "SELECT pg_advisory_xact_lock(hashtextextended('jit_api_tokens:' || $1, 0))", [token.owner]);
          const live = await run<{ n: string }>(client, 'SELECT COUNT(*) AS n FROM api_tokens WHERE owner = $1 AND revoked_at IS NULL AND expires_at > $2', [
            token.owner,
            token.createdAt,
          ]);
          if (Number(live.rows[0]?.n ?? 0) >= maxLive) throw new Outcome('too_many');
          const inserted = await run(
            client,
            `INSERT INTO api_tokens (id, owner, name, secret_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO NOTHING`,
            [token.id, token.owner, token.name, token.secretHash, token.createdAt, token.expiresAt],
          );
          if (inserted.rowCount !== 1) throw new Outcome('duplicate_id');
          return 'created' as const;
        },
        [event],
        notifications,
      ),
    )) as CreateTokenOutcome;
  }

  tokenById(id: string): Promise<ApiToken | undefined> {
    return this.host.withPool('read an API token', async (pool) => {
      const row = (await run<TokenRow>(pool, 'SELECT * FROM api_tokens WHERE id = $1', [id])).rows[0];
      return row === undefined ? undefined : tokenOf(row);
    });
  }

  liveTokensOf(owner: string, now: number): Promise<ApiToken[]> {
    return this.host.withPool('list API tokens', async (pool) =>
      (
        await run<TokenRow>(pool, 'SELECT * FROM api_tokens WHERE owner = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY expires_at, id', [owner, now])
      ).rows.map(tokenOf),
    );
  }

  async revokeToken(id: string, by: string, at: number, event: SystemEvent, notifications: Notification[]): Promise<boolean> {
    return (await rolledBack(() =>
      this.host.writeWithSystemEvents(
        'revoke an API token',
        async (client) => {
          const changed = await run(client, 'UPDATE api_tokens SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL', [at, by, id]);
          if (changed.rowCount !== 1) throw new Outcome(false);
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
        async (client) => {
          const changed = await run(client, 'UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND revoked_at IS NULL AND expires_at > $1', [at, id]);
          if (changed.rowCount !== 1) throw new Outcome(false);
          return true;
        },
        [event],
        [],
      ),
    )) as boolean;
  }
}
