// App Home: published when the user opens the tab, and again after a click on
// it. Its own button here is Cancel (a pending request); Enable JIT and Edit
// (admins) are answered in admin.ts; Revoke, Approve and Deny reuse the action
// IDs of the DMs and approval messages, whose listeners answer Home clicks too.

import type { App, BlockButtonAction } from '@slack/bolt';
import { normaliseRequestId } from '../../domain/ids.js';
import { CANCEL_ACTION } from '../blocks/home.js';
import { clickReply } from './click-reply.js';
import { userMessage, type ListenerDeps } from './deps.js';
import { publishHome } from './publish-home.js';

export function registerHome(app: App, deps: ListenerDeps): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    await publishHome(client, event.user, deps);
  });

  app.action<BlockButtonAction>(CANCEL_ACTION, async ({ ack, body, action, respond, client }) => {
    await ack();
    const reply = clickReply(body, respond, client, deps);
    const id = normaliseRequestId(action.value ?? '');
    const user: unknown = body.user?.id;
    if (!id || typeof user !== 'string') return void (await reply.whisper('That click does not carry a valid request ID or user; nothing was changed.'));
    try {
      // The workflow lets only the requester cancel; a batch leader's id withdraws every member still waiting.
      await deps.workflow.cancelAll(id, user);
    } catch (error) {
      await reply.whisper(userMessage(error, deps.logger, `${CANCEL_ACTION} ${id} by ${user}`));
    }
    await reply.refresh();
  });
}
