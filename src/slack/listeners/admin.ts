// Admin from Slack: `/jit enable`, `/jit edit` (its modal), and the Home's
// Enable JIT and Edit buttons. Authorisation and validation live in
// workflow/admin.ts; this file only translates payloads and answers.

import type { BlockButtonAction, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { JitCommand } from '../command.js';
import { enabledText, modalErrorText, savedText } from '../blocks/admin.js';
import { ENABLE_ACTION } from '../blocks/home-inventory.js';
import { EDIT_IDS, editVmModal, editedVmOf, typedPorts } from '../blocks/vm-edit-modal.js';
import { escapeMrkdwn } from '../blocks/escape.js';
import { clickReply, onButton } from './click-reply.js';
import { type ListenerDeps, userError, userMessage } from './deps.js';
import type { Message } from '../../domain/message.js';
import { mrkdwn } from '../render.js';
import type { Listeners } from './router.js';

const NO_ADMIN = 'Admin commands are not set up in this bot.';
/** A VM id or name from a button value: long enough for an Azure resource id, never a whole essay. */
const MAX_VM_VALUE = 2000;

/** `/jit enable …`: the reply to post ephemerally. */
export async function enableReply(deps: ListenerDeps, user: string, command: Extract<JitCommand, { kind: 'enable' }>): Promise<string> {
  if (!deps.admin) return NO_ADMIN;
  const { kind: _kind, ...input } = command;
  return enabledText(await deps.admin.enable({ user, ...input }));
}

/** `/jit edit <vm>` and the Home's Edit button: opens the modal, or resolves with why not. */
export async function openEditModal(deps: ListenerDeps, client: WebClient, triggerId: string, user: string, vm: string): Promise<string | undefined> {
  if (!deps.admin) return NO_ADMIN;
  const form = await deps.admin.editForm(user, vm);
  if (!form.ok) return mrkdwn(form.message);
  await client.views.open({ trigger_id: triggerId, view: editVmModal(form.vm, form.text, form.backend) });
  return undefined;
}

export function registerAdmin(app: Listeners, deps: ListenerDeps): void {
  app.view(EDIT_IDS.callbackId, async ({ ack, body, view, client }) => {
    const user = body.user.id;
    const vm = editedVmOf(view.private_metadata);
    const text = typedPorts(view.state?.values);
    const refuse = (problems: readonly Message[]) => ack({ response_action: 'errors', errors: { [EDIT_IDS.portsBlock]: modalErrorText(problems) } });
    if (!deps.admin || vm === undefined)
      return void (await refuse([[deps.admin ? 'This form lost which VM it edits: close it and run /jit edit <vm> again.' : NO_ADMIN]]));
    // Checked before the ack (Slack waits three seconds); saving, which re-protects the firewall, comes after.
    try {
      const check = await deps.admin.checkEdit(user, vm, text);
      if (!check.ok) return void (await refuse(check.problems));
    } catch (error) {
      return void (await refuse([userError(error, deps.logger, `edit of ${vm} by ${user}`)]));
    }
    await ack();
    let answer: string;
    try {
      const result = await deps.admin.edit(user, vm, text);
      answer = result.ok ? savedText(result) : `Nothing was saved on ${escapeMrkdwn(vm)}:\n${result.problems.map(mrkdwn).join('\n')}`;
    } catch (error) {
      answer = `Nothing was saved on ${escapeMrkdwn(vm)}: ${userMessage(error, deps.logger, `edit of ${vm} by ${user}`)}`;
    }
    await client.chat.postMessage({ channel: user, text: answer });
  });

  // The Home's Enable JIT: the same as `/jit enable <vm>` with the defaults, answered by DM.
  onButton(app, deps, ENABLE_ACTION, {
    read: vmOf,
    invalid: 'That click does not name a VM; nothing was changed.',
    describe: (vm) => vm,
    act: async (vm, user, reply) => reply.whisper(await enableReply(deps, user, { kind: 'enable', vm })),
  });

  // The Home's Edit beside a configured VM: the same modal as `/jit edit <vm>`.
  app.action<BlockButtonAction>(EDIT_IDS.homeButton, async ({ ack, body, action, respond, client }) => {
    await ack();
    const reply = clickReply(body, respond as RespondFn | undefined, client, deps);
    const user: unknown = body.user?.id;
    const vm = vmOf(typeof action.value === 'string' ? action.value : '');
    if (typeof user !== 'string' || vm === undefined || typeof body.trigger_id !== 'string') {
      return void (await reply.whisper('That click does not name a VM; nothing was opened.'));
    }
    try {
      const refusal = await openEditModal(deps, client, body.trigger_id, user, vm);
      if (refusal !== undefined) await reply.whisper(refusal);
    } catch (error) {
      await reply.whisper(userMessage(error, deps.logger, `${EDIT_IDS.homeButton} ${vm} by ${user}`));
    }
  });
}

/** The VM a button's value names: an id or name, never an essay. */
function vmOf(value: string): string | undefined {
  const vm = value.trim();
  return vm === '' || vm.length > MAX_VM_VALUE ? undefined : vm;
}
