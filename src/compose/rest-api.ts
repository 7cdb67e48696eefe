// The REST API's composition: the /api/v1 routes and the Slack side of API
// tokens. (Stub: filled in by the REST API work.)

import type { CustomRoute } from '@slack/bolt';
import type { Config } from '../config/env.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { ListenerDeps } from '../slack/listeners/deps.js';
import type { AccessWorkflow } from '../workflow/access-workflow.js';
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
}

export interface RestApi {
  routes: CustomRoute[];
  /** What the Slack listeners need for `/jit token …` and the Home's token list. */
  listeners: Partial<ListenerDeps>;
}

export function restApi(_deps: RestApiDeps): RestApi {
  return { routes: [], listeners: {} };
}
