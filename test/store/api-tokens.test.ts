// Schema 9: REST API tokens kept in the bot's database, each change with its
// audit event in one transaction, on SQLite and on PostgreSQL alike: round
// trips, the live-token limit, revoke as a compare-and-swap, last use, and a
// failing event write that leaves no token behind.

import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiToken } from '../../src/domain/api-token-record.js';
import { tokenCreatedEvent, tokenRevokedEvent, tokenUsedEvent } from '../../src/domain/api-token-record.js';
import type { Notification } from '../../src/domain/notification.js';
import type { SystemEvent } from '../../src/domain/types.js';
import type { ApiTokenStore } from '../../src/ports/api-tokens.js';
import { SqliteApiTokenStore } from '../../src/store/api-tokens.js';
import { PgApiTokenStore } from '../../src/store/postgres/api-tokens.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { PG_URL, pgScratch, pgWanted } from '../support/postgres.js';
import { makeTempDir, removeDir } from './fixtures.js';

const NOW = 1_800_000_000_000;
const DAY = 86_400_000;

interface Opened {
  tokens: ApiTokenStore;
  store: SqliteStore | PostgresStore;
}

function token(overrides: Partial<ApiToken> = {}): ApiToken {
  return { id: 'k7m2qpab', owner: 'UOWNER', name: 'deploy', secretHash: 'ab'.repeat(32), createdAt: NOW, expiresAt: NOW + 30 * DAY, ...overrides };
}

function created(t: ApiToken): [ApiToken, number, SystemEvent, Notification[]] {
  const event = tokenCreatedEvent(t);
  return [t, 10, event, [{ kind: 'system', event }]];
}

/** A notification the outbox cannot serialise: the event write fails after the token's own row was written. */
function unwritable(event: SystemEvent): Notification[] {
  return [{ kind: 'system', event: { ...event, detail: 10n as unknown as string } }];
}

const engines: { name: string; open(): Promise<Opened> }[] = [];
{
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) removeDir(dir);
  });
  const stores: { close(): unknown }[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });
  engines.push({
    name: 'sqlite',
    async open() {
      const dir = makeTempDir();
      dirs.push(dir);
      const store = SqliteStore.open(path.join(dir, 'jit.db'), { clock: { now: () => NOW } });
      stores.push(store);
      return { store, tokens: new SqliteApiTokenStore(store) };
    },
  });
  if (pgWanted) {
    const scratch = pgScratch();
    engines.push({
      name: 'postgres',
      async open() {
        const store = scratch.track(await PostgresStore.open(PG_URL, { clock: { now: () => NOW }, schema: await scratch.schema(), poolSize: 3 }));
        return { store, tokens: new PgApiTokenStore(store) };
      },
    });
  }
}

for (const engine of engines) {
  describe(`API token store [${engine.name}]`, () => {
    it('create_storesTheToken_withItsEventAndAuditPost_andReadsItBack', async () => {
      const { tokens, store } = await engine.open();
      const t = token();
      expect(await tokens.createToken(...created(t))).toBe('created');

      expect(await tokens.tokenById(t.id)).toEqual(t);
      expect(await tokens.liveTokensOf('UOWNER', NOW)).toEqual([t]);
      expect(await tokens.liveTokensOf('UOTHER', NOW)).toEqual([]);
      expect(await store.systemEvents()).toEqual([tokenCreatedEvent(t)]);
      expect((await store.pendingOutbox(10)).map((row) => row.notification)).toEqual([{ kind: 'system', event: tokenCreatedEvent(t) }]);
      expect(await store.verifyAuditChain()).toMatchObject({ ok: true, rows: 1 });
      expect(await tokens.tokenById('zzzzzzzz')).toBeUndefined();
    });

    it('create_whenTheEventCannotBeWritten_leavesNeitherTokenNorEvent', async () => {
      const { tokens, store } = await engine.open();
      const t = token();
      await expect(tokens.createToken(t, 10, tokenCreatedEvent(t), unwritable(tokenCreatedEvent(t)))).rejects.toMatchObject({ code: 'jit_store_failed' });

      expect(await tokens.tokenById(t.id)).toBeUndefined();
      expect(await store.systemEvents()).toEqual([]);
      expect(await store.pendingOutbox(10)).toEqual([]);
    });

    it('create_withATakenId_orOverTheLiveLimit_writesNothing', async () => {
      const { tokens, store } = await engine.open();
      await tokens.createToken(...created(token()));
      expect(await tokens.createToken(...created(token({ owner: 'UOTHER' })))).toBe('duplicate_id');

      const second = token({ id: 'k7m2qpac' });
      const [, , event, notes] = created(second);
      expect(await tokens.createToken(second, 1, event, notes)).toBe('too_many');
      // An expired token no longer counts against the limit.
      expect(await tokens.createToken({ ...second, createdAt: NOW + 31 * DAY, expiresAt: NOW + 40 * DAY }, 1, event, notes)).toBe('created');
      expect((await store.systemEvents()).length).toBe(2);
    });

    it('create_raced_keepsTheLiveLimit', async () => {
      const { tokens, store } = await engine.open();
      const racers = Array.from({ length: 6 }, (_, i) => token({ id: `k7m2qp${'abcdef'[i]}a` }));
      const outcomes = await Promise.all(racers.map((t) => tokens.createToken(t, 2, tokenCreatedEvent(t), [])));
      expect(outcomes.filter((o) => o === 'created')).toHaveLength(2);
      expect(await tokens.liveTokensOf('UOWNER', NOW)).toHaveLength(2);
      expect(await store.systemEvents()).toHaveLength(2);
    });

    it('revoke_isACompareAndSwap_writingItsEventOnce', async () => {
      const { tokens, store } = await engine.open();
      const t = token();
      await tokens.createToken(...created(t));
      const event = tokenRevokedEvent(t, 'UADMIN', NOW + 5);

      expect(await tokens.revokeToken(t.id, 'UADMIN', NOW + 5, event, [{ kind: 'system', event }])).toBe(true);
      expect(await tokens.revokeToken(t.id, 'UOWNER', NOW + 6, event, [{ kind: 'system', event }])).toBe(false);
      expect(await tokens.revokeToken('zzzzzzzz', 'UOWNER', NOW + 6, event, [])).toBe(false);

      expect(await tokens.tokenById(t.id)).toEqual({ ...t, revokedAt: NOW + 5, revokedBy: 'UADMIN' });
      expect(await tokens.liveTokensOf('UOWNER', NOW + 7)).toEqual([]);
      expect((await store.systemEvents()).map((e) => e.name)).toEqual(['api.token_created', 'api.token_revoked']);
    });

    it('recordUse_movesLastUse_withItsEvent_andRefusesARevokedOrExpiredToken', async () => {
      const { tokens, store } = await engine.open();
      const t = token();
      await tokens.createToken(...created(t));

      expect(await tokens.recordTokenUse(t.id, NOW + 10, tokenUsedEvent(t, 'GET', '/api/v1/policy', NOW + 10))).toBe(true);
      expect((await tokens.tokenById(t.id))?.lastUsedAt).toBe(NOW + 10);
      expect(await tokens.recordTokenUse(t.id, t.expiresAt, tokenUsedEvent(t, 'GET', '/api/v1/policy', t.expiresAt))).toBe(false);
      await tokens.revokeToken(t.id, 'UOWNER', NOW + 20, tokenRevokedEvent(t, 'UOWNER', NOW + 20), []);
      expect(await tokens.recordTokenUse(t.id, NOW + 30, tokenUsedEvent(t, 'GET', '/api/v1/policy', NOW + 30))).toBe(false);

      expect((await tokens.tokenById(t.id))?.lastUsedAt).toBe(NOW + 10);
      expect((await store.systemEvents()).map((e) => e.detail)).toEqual([
        tokenCreatedEvent(t).detail,
        'token k7m2qpab: GET /api/v1/policy',
        'token k7m2qpab "deploy"',
      ]);
      // A use is in the chain, not in the audit channel.
      expect((await store.pendingOutbox(10)).map((row) => row.notification.kind)).toEqual(['system']);
    });

    it('recordUse_onAClosedStore_throws_soTheCallerActsOnNothing', async () => {
      const { tokens, store } = await engine.open();
      const t = token();
      await tokens.createToken(...created(t));
      await store.close();
      await expect(tokens.recordTokenUse(t.id, NOW + 1, tokenUsedEvent(t, 'GET', '/x', NOW + 1))).rejects.toThrow();
    });
  });
}
