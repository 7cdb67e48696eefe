// Where the answer to a button click goes. A click on a message carries a
// response_url: the answer is an ephemeral reply there. A click on the App
// Home carries none: the answer is a DM, and the Home is published again so
// it shows the request's new state.

import type { BlockAction, BlockButtonAction, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { afterAcks, type ListenerDeps, userMessage } from './deps.js';
import { publishHome } from './publish-home.js';
import type { Listeners } from './router.js';

export interface ClickReply {
  whisper(text: string): Promise<unknown>;
  /** Call once the click was handled: republishes the clicker's Home when the click came from there. */
  refresh(): Promise<void>;
}

export function clickReply(body: BlockAction, respond: RespondFn | undefined, client: WebClient, deps: ListenerDeps): ClickReply {
  // A forged payload can carry anything here; only a plain user ID gets a DM or a Home.
  const user: unknown = body.user?.id;
  const onHome = body.container?.type === 'view' && body.view?.type === 'home';
  return {
    async whisper(text) {
      // Acks first: the reply waits while other requests arrive (bounded, deps.gate).
      if (respond) return afterAcks(deps, () => respond({ response_type: 'ephemeral', replace_original: false, text }));
      if (typeof user === 'string') return client.chat.postMessage({ channel: user, text });
      return undefined;
    },
    async refresh() {
      if (!onHome || typeof user !== 'string') return;
      await publishHome(client, user, deps).catch((error: unknown) => deps.logger.warn(`App Home of ${user} could not be republished:`, error));
    },
  };
}

/**
 * A button that acts on something as the user who clicked it (Approve, Deny,
 * Revoke, Extend, Cancel, Acknowledge, Enable JIT): acknowledged at once; a
 * click that does not say what it is about, or who clicked, changes nothing;
 * a refusal is answered privately; a click on the App Home republishes it.
 */
export function onButton<T>(
  app: Listeners,
  deps: ListenerDeps,
  actionId: string,
  button: {
    /** What the button's value names; undefined when it names nothing valid. */
    read(value: string): T | undefined;
    /** Said when the click carries no valid target or user. */
    invalid: string;
    /** For the log: what was clicked. */
    describe(target: T): string;
    act(target: T, user: string, reply: ClickReply): Promise<unknown>;
  },
): void {
  app.action<BlockButtonAction>(actionId, async ({ ack, body, action, respond, client }) => {
    await ack();
    const reply = clickReply(body, respond, client, deps);
    const target = button.read(typeof action.value === 'string' ? action.value : '');
    // Authorisation needs to know who clicked: a forged payload can carry anything here.
    const user: unknown = body.user?.id;
    if (target === undefined || typeof user !== 'string') return void (await reply.whisper(button.invalid));
    try {
      await button.act(target, user, reply);
    } catch (error) {
      await reply.whisper(userMessage(error, deps.logger, `${actionId} ${button.describe(target)} by ${user}`));
    }
    await reply.refresh();
  });
}
