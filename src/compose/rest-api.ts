// The REST API's composition: the /api/v1 routes and the Slack side of API
// tokens (`/jit token …`, the Home's token list), over a token table kept in
// the bot's own database (SQLite or PostgreSQL; PostgreSQL's module is loaded
// only when the bot runs on it, as compose/startup.ts loads the store's).

import { randomBytes } from 'node:crypto';
import type { CustomRoute } from '@slack/bolt';
import type { Config } from '../config/env.js';
import type { ApiTokenStore, UserAccounts } from '../ports/api-tokens.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { ListenerDeps } from '../slack/listeners/deps.js';
import { apiRoutes } from '../http/api/routes.js';
import { SqliteApiTokenStore, type SqliteTokenHost } from '../store/api-tokens.js';
import type { PgTokenHost } from '../store/postgres/api-tokens.js';
import type { AccessWorkflow } from '../workflow/access-workflow.js';
import { ApiTokens } from '../workflow/api-tokens.js';
import type { OpenedStore } from './startup.js';

export interface RestApiDeps {
  config: Config;
  database: OpenedStore;
  /** Bound late: the workflow is built after the app that serves these routes. */
  workflow: () => AccessWorkflow;
  clock: Clock;
  logger: Logger;
  /** Wakes the outbox worker after a write that queued notifications. */
  kick: () => void;
  /** Whether a token's owner is still an active member of the workspace (the Slack directory). */
  accounts: UserAccounts;
}

export interface RestApi {
  routes: CustomRoute[];
  /** What the Slack listeners need for `/jit token …` and the Home's token list. */
  listeners: Partial<ListenerDeps>;
}

export function restApi(deps: RestApiDeps): RestApi {
  const tokens = new ApiTokens({
    store: tokenStore(deps.database),
    clock: deps.clock,
    randomBytes: (size) => randomBytes(size),
    maxDays: deps.config.JIT_API_TOKEN_MAX_DAYS,
    isAdmin: (user) => deps.workflow().isAdmin(user),
    accounts: deps.accounts,
    logger: deps.logger,
    notified: deps.kick,
  });
  return {
    routes: apiRoutes({ tokens, workflow: deps.workflow, clock: deps.clock, logger: deps.logger }),
    listeners: { apiTokens: { tokens, ...(deps.config.JIT_PUBLIC_URL ? { publicUrl: deps.config.JIT_PUBLIC_URL } : {}) } },
  };
}

/** The token table beside the store's own: SQLite at once, PostgreSQL once its module is loaded. */
function tokenStore(database: OpenedStore): ApiTokenStore {
  if (database.engine === 'sqlite') return new SqliteApiTokenStore(database.store as unknown as SqliteTokenHost);
  const ready = import('../store/postgres/api-tokens.js').then(({ PgApiTokenStore }) => new PgApiTokenStore(database.store as unknown as PgTokenHost));
  return {
    createToken: async (...args) => (await ready).createToken(...args),
    tokenById: async (...args) => (await ready).tokenById(...args),
    liveTokensOf: async (...args) => (await ready).liveTokensOf(...args),
    revokeToken: async (...args) => (await ready).revokeToken(...args),
    recordTokenUse: async (...args) => (await ready).recordTokenUse(...args),
  };
}
