// Builds one user's App Home from the workflow and publishes it.

import type { WebClient } from '@slack/web-api';
import { homeView } from '../blocks/home.js';
import type { ListenerDeps } from './deps.js';

export async function publishHome(client: WebClient, user: string, deps: ListenerDeps): Promise<void> {
  const data = await deps.workflow.home(user);
  await client.views.publish({ user_id: user, view: homeView(data) });
}
