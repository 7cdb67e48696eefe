// Builds one user's App Home from the workflow (and their API tokens) and publishes it.

import type { WebClient } from '@slack/web-api';
import type { ApiToken } from '../../domain/api-token-record.js';
import { homeView } from '../blocks/home.js';
import type { ListenerDeps } from './deps.js';

export async function publishHome(client: WebClient, user: string, deps: ListenerDeps): Promise<void> {
  const [data, tokens] = await Promise.all([deps.workflow.home(user), tokensOf(user, deps)]);
  await client.views.publish({ user_id: user, view: homeView({ ...data, tokens }) });
}

/** The user's live API tokens; a list that cannot be read leaves the section out rather than the whole Home. */
async function tokensOf(user: string, deps: ListenerDeps): Promise<ApiToken[]> {
  if (!deps.apiTokens) return [];
  try {
    return await deps.apiTokens.tokens.list(user);
  } catch (error) {
    deps.logger.warn(`the API tokens of ${user} could not be read for the Home:`, error);
    return [];
  }
}
