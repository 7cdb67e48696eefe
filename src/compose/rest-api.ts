// The REST API's composition: the /api/v1 routes and the Slack side of API
// tokens (`/jit token …`, the Home's token list), over a token table kept in
// the bot's own database (SQLite or PostgreSQL). The routes are registered at
// start (the HTTP receiver takes them then), but what answers them, the token
// use cases and the token store load on first use: a bot nobody scripts
// against keeps its idle memory (bench/mass-expiry.ts budgets it).

import { randomBytes } from 'node:crypto';
import type { CustomRoute } from '@slack/bolt';
import type { Config } from '../config/env.js';
import type { UserAccounts } from '../ports/api-tokens.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { API_METHODS, API_PATHS } from '../http/api/paths.js';
import type { ApiRoute } from '../http/api/routes.js';
import type { SqliteTokenHost } from '../store/api-tokens.js';
import type { PgTokenHost } from '../store/postgres/api-tokens.js';
import type { ApiTokenDeps, ListenerDeps } from '../slack/listeners/deps.js';
import type { AccessWorkflow } from '../workflow/access-workflow.js';
import type { ApiTokens } from '../workflow/api-tokens.js';
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

interface Loaded {
  tokens: ApiTokens;
  routes: ApiRoute[];
}

export function restApi(deps: RestApiDeps): RestApi {
  let loaded: Promise<Loaded> | undefined;
  const load = () => {
    loaded ??= build(deps).catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  };
  const routes: CustomRoute[] = API_PATHS.map(({ path }) => ({
    path,
    method: API_METHODS,
    handler: (req, res) => {
      load().then(
        ({ routes: real }) => real.find((route) => route.path === path)!.handler(req, res),
        (error: unknown) => {
          deps.logger.error(`API ${req.method} ${req.url}: the API could not be loaded:`, error);
          res.writeHead(503, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              error: { code: 'unavailable', message: 'The API could not be started on this bot: try again in a minute, or tell its admins.' },
            }),
          );
        },
      );
    },
  }));
  const tokens: ApiTokenDeps['tokens'] = {
    create: async (owner, options) => (await load()).tokens.create(owner, options),
    list: async (owner) => (await load()).tokens.list(owner),
    revoke: async (id, user) => (await load()).tokens.revoke(id, user),
  };
  return { routes, listeners: { apiTokens: { tokens, ...(deps.config.JIT_PUBLIC_URL ? { publicUrl: deps.config.JIT_PUBLIC_URL } : {}) } } };
}

async function build(deps: RestApiDeps): Promise<Loaded> {
  const [{ apiRoutes }, { ApiTokens }] = await Promise.all([import('../http/api/routes.js'), import('../workflow/api-tokens.js')]);
  const tokens = new ApiTokens({
    store: await tokenStore(deps.database),
    clock: deps.clock,
    randomBytes: (size) => randomBytes(size),
    maxDays: deps.config.JIT_API_TOKEN_MAX_DAYS,
    isAdmin: (user) => deps.workflow().isAdmin(user),
    accounts: deps.accounts,
    logger: deps.logger,
    notified: deps.kick,
  });
  return { tokens, routes: apiRoutes({ tokens, workflow: deps.workflow, clock: deps.clock, logger: deps.logger }) };
}

/** The token table beside the store's own, SQLite's or PostgreSQL's (each module loaded only for its engine). */
async function tokenStore(database: OpenedStore) {
  if (database.engine === 'sqlite') {
    const { SqliteApiTokenStore } = await import('../store/api-tokens.js');
    return new SqliteApiTokenStore(database.store as unknown as SqliteTokenHost);
  }
  const { PgApiTokenStore } = await import('../store/postgres/api-tokens.js');
  return new PgApiTokenStore(database.store as unknown as PgTokenHost);
}
