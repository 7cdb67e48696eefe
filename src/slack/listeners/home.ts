// App Home: published when the user opens the tab, and again after a click on
// it. Its own button here is Cancel (a pending request); Enable JIT and Edit
// (admins) are answered in admin.ts; Revoke, Approve and Deny reuse the action
// IDs of the DMs and approval messages, whose listeners answer Home clicks too.

import { CANCEL_ACTION } from '../blocks/home.js';
import { onRequestButton } from './approval.js';
import type { ListenerDeps } from './deps.js';
import { publishHome } from './publish-home.js';
import type { Listeners } from './router.js';

export function registerHome(app: Listeners, deps: ListenerDeps): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    await publishHome(client, event.user, deps);
  });

  // The workflow lets only the requester cancel; a batch leader's id withdraws every member still waiting.
  onRequestButton(app, deps, CANCEL_ACTION, (id, user) => deps.workflow.cancelAll(id, user));
}
