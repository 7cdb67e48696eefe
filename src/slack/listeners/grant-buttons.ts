// `Extend` and `Revoke now` on the requester's DMs about an open grant, and
// `Revoke` on the App Home. The clicking user is authorised by the workflow;
// success shows up as the next DM from the outbox, a refusal as an ephemeral
// reply (a DM from the Home) that changed nothing.

import { GRANT_IDS, parseGrantButtonValue } from '../blocks/grant-dm.js';
import { onButton } from './click-reply.js';
import type { ListenerDeps } from './deps.js';
import type { Listeners } from './router.js';

type Act = (button: { id: string; endAt?: number }, user: string) => Promise<unknown>;

export function registerGrantButtons(app: Listeners, deps: ListenerDeps): void {
  onGrantButton(app, deps, GRANT_IDS.extend, ({ id, endAt }, user) => deps.workflow.extend(id, user, endAt === undefined ? {} : { expectedEndAt: endAt }));
  onGrantButton(app, deps, GRANT_IDS.revoke, ({ id }, user) => deps.workflow.revoke(id, user));
}

function onGrantButton(app: Listeners, deps: ListenerDeps, actionId: string, act: Act): void {
  onButton(app, deps, actionId, {
    read: parseGrantButtonValue,
    invalid: 'That button does not carry a valid request ID; nothing was changed.',
    describe: (button) => button.id,
    act: (button, user) => act(button, user),
  });
}
