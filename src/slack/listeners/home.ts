// App Home: a short guide and the user's own open requests. (The full
// inventory view is a later issue; this keeps app_home_opened answered.)

import type { App } from '@slack/bolt';
import { helpText } from '../blocks/help.js';
import { requestListBlocks } from '../blocks/list.js';
import { truncate } from '../blocks/escape.js';
import type { ListenerDeps } from './deps.js';

export function registerHome(app: App, deps: ListenerDeps): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    const list = requestListBlocks(deps.workflow.openRequestsOf(event.user), deps.clock.now());
    await client.views.publish({
      user_id: event.user,
      view: {
        type: 'home',
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: 'Just-in-time access' } },
          { type: 'section', text: { type: 'mrkdwn', text: truncate(helpText(), 3000) } },
          { type: 'divider' },
          ...list.blocks.slice(0, 90),
        ],
      },
    });
  });
}
