// Where the answer to a button click goes. A click on a message carries a
// response_url: the answer is an ephemeral reply there. A click on the App
// Home carries none: the answer is a DM, and the Home is published again so
// it shows the request's new state.

import type { BlockAction, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { ListenerDeps } from './deps.js';
import { publishHome } from './publish-home.js';

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
      if (respond) return respond({ response_type: 'ephemeral', replace_original: false, text });
      if (typeof user === 'string') return client.chat.postMessage({ channel: user, text });
      return undefined;
    },
    async refresh() {
      if (!onHome || typeof user !== 'string') return;
      await publishHome(client, user, deps).catch((error: unknown) => deps.logger.warn(`App Home of ${user} could not be republished:`, error));
    },
  };
}
