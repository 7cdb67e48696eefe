// App Home: published when the user opens the tab, and again after a click on
// it. Its own buttons are Cancel (a pending request) and Enable JIT (admins, on
// a VM the policy does not cover); Revoke, Approve and Deny reuse the action IDs
// of the DMs and approval messages, whose listeners answer Home clicks too.

import type { App, BlockButtonAction } from '@slack/bolt';
import { normaliseRequestId } from '../../domain/ids.js';
import { escapeTruncated } from '../blocks/escape.js';
import { CANCEL_ACTION } from '../blocks/home.js';
import { ENABLE_ACTION } from '../blocks/home-inventory.js';
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

  // Enabling JIT is `/jit enable <vm>`; the button says so, to admins only.
  app.action<BlockButtonAction>(ENABLE_ACTION, async ({ ack, body, action, respond, client }) => {
    await ack();
    const reply = clickReply(body, respond, client, deps);
    const user: unknown = body.user?.id;
    const vm = typeof action.value === 'string' ? action.value.replace(/[`\s]/g, '') : '';
    if (typeof user !== 'string' || vm === '') return void (await reply.whisper('That click does not name a VM; nothing was changed.'));
    if (!(await deps.workflow.isAdmin(user))) {
      return void (await reply.whisper('Only admins can enable JIT on a VM: they are listed in JIT_ADMINS or in the policy’s `admins`.'));
    }
    await reply.whisper(`To protect ${escapeTruncated(vm, 300)} with JIT, run \`/jit enable ${escapeTruncated(vm, 300)}\`.`);
  });
}
