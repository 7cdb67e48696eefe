// App Home: published when the user opens the tab, and again after a click on
// it. Its own buttons here are Cancel (a pending request) and an API token's
// Revoke; Enable JIT and Edit (admins) are answered in admin.ts; a grant's
// Revoke, Approve and Deny reuse the action IDs of the DMs and approval
// messages, whose listeners answer Home clicks too.

import { normaliseTokenId } from '../../domain/api-token.js';
import { TOKEN_REVOKE_ACTION } from '../blocks/api-tokens.js';
import { CANCEL_ACTION } from '../blocks/home.js';
import { onRequestButton } from './approval.js';
import { onButton } from './click-reply.js';
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

  // An API token's Revoke (after Slack's confirm dialog): the owner, or an admin; the Home published again shows it gone.
  onButton(app, deps, TOKEN_REVOKE_ACTION, {
    read: (value) => normaliseTokenId(value),
    invalid: 'That click does not carry a valid API token ID or user; nothing was changed.',
    describe: (id) => `API token ${id}`,
    act: async (id, user, reply) => {
      if (!deps.apiTokens) return reply.whisper('API tokens are not set up on this bot; nothing was changed.');
      return deps.apiTokens.tokens.revoke(id, user);
    },
  });
}
