// `Extend` and `Revoke now` on the requester's DMs about an open grant, and
// `Revoke` on the App Home. The clicking user is authorised by the workflow;
// success shows up as the next DM from the outbox, a refusal as an ephemeral
// reply (a DM from the Home) that changed nothing.

import type { App, BlockButtonAction } from '@slack/bolt';
import { escapeMrkdwn } from '../blocks/escape.js';
import { GRANT_IDS, parseGrantButtonValue } from '../blocks/grant-dm.js';
import { clickReply } from './click-reply.js';
import { userMessage, type ListenerDeps } from './deps.js';

type Act = (button: { id: string; endAt?: number }, user: string) => Promise<unknown>;

export function registerGrantButtons(app: App, deps: ListenerDeps): void {
  onButton(app, deps, GRANT_IDS.extend, ({ id, endAt }, user) => deps.workflow.extend(id, user, endAt === undefined ? {} : { expectedEndAt: endAt }));
  onButton(app, deps, GRANT_IDS.revoke, ({ id }, user) => deps.workflow.revoke(id, user));
}

function onButton(app: App, deps: ListenerDeps, actionId: string, act: Act): void {
  app.action<BlockButtonAction>(actionId, async ({ ack, body, action, respond, client }) => {
    await ack();
    const reply = clickReply(body, respond, client, deps);
    const whisper = reply.whisper;
    const button = parseGrantButtonValue(action.value ?? '');
    if (!button) return void (await whisper('That button does not carry a valid request ID; nothing was changed.'));
    try {
      await act(button, body.user.id);
    } catch (error) {
      // Refusals may quote policy text (a rule's reason): shown inert.
      await whisper(userMessage(error, deps.logger, `${actionId} ${button.id} by ${body.user.id}`));
    }
    await reply.refresh();
  });
}
