// The request modal: choosing a VM refreshes the ports list; submitting
// validates with inline errors per field, then creates the request.

import type { BlockAction, BlockSuggestion, ExternalSelectAction, MultiExternalSelectAction, MultiStaticSelectAction, StaticSelectAction } from '@slack/bolt';
import { MODAL_IDS, readModalValues, requestModal, vmOptions, type ModalStateValues } from '../blocks/modal.js';
import { problemsText } from '../blocks/errors.js';
import { userMessage, type ListenerDeps } from './deps.js';
import { sourceProblems } from './source-link.js';
import type { Listeners } from './router.js';

const FIELD_BLOCKS: Record<string, string> = {
  vm: MODAL_IDS.vmBlock,
  ports: MODAL_IDS.portsBlock,
  source: MODAL_IDS.sourceBlock,
  duration: MODAL_IDS.durationBlock,
  justification: MODAL_IDS.justificationBlock,
};

export function registerModal(app: Listeners, deps: ListenerDeps): void {
  app.action<BlockAction<StaticSelectAction | MultiStaticSelectAction | ExternalSelectAction | MultiExternalSelectAction>>(
    { action_id: MODAL_IDS.vmAction, type: 'block_actions' },
    async ({ ack, body, action, client }) => {
      await ack();
      if (!body.view) return;
      const values = readModalValues(body.view.state?.values as ModalStateValues | undefined);
      await client.views.update({
        view_id: body.view.id,
        hash: body.view.hash,
        view: requestModal({
          vms: deps.policy().vms,
          selectedVms: chosenVms(action),
          initial: { source: values.source, duration: values.duration, justification: values.justification },
          ...(deps.myIpUrl ? { myIpUrl: deps.myIpUrl(body.user.id) } : {}),
        }),
      });
    },
  );

  // The "Use my IP" link button opens the browser; Slack still tells the app, which only acknowledges.
  app.action({ action_id: MODAL_IDS.myIpAction, type: 'block_actions' }, async ({ ack }) => {
    await ack();
  });

  // More than 100 VMs: the select becomes an external select and asks here.
  app.options<'block_suggestion'>(MODAL_IDS.vmAction, async ({ ack, body }) => {
    await ack({ options: vmOptions(deps.policy().vms, (body as BlockSuggestion).value ?? '') });
  });

  app.view(MODAL_IDS.callbackId, async ({ ack, body, view, client }) => {
    const user = body.user.id;
    const input = { requester: user, ...readModalValues(view.state?.values as ModalStateValues | undefined) };
    const problems = sourceProblems(await deps.workflow.check(input), deps.myIpUrl !== undefined);
    if (problems.length > 0) {
      const errors: Record<string, string> = {};
      for (const problem of problems) {
        // A ports problem before any VM is chosen has no ports block to sit on.
        const block = (view.blocks ?? []).some((b) => b.block_id === FIELD_BLOCKS[problem.field]) ? FIELD_BLOCKS[problem.field]! : MODAL_IDS.vmBlock;
        errors[block] = errors[block] ? `${errors[block]} ${problem.message}` : problem.message;
      }
      return void (await ack({ response_action: 'errors', errors }));
    }
    await ack();
    try {
      const result = await deps.workflow.request(input);
      // Success is announced by the outbox (the requester's DM); only a late refusal needs saying here.
      if (!result.ok) await client.chat.postMessage({ channel: user, text: problemsText(sourceProblems(result.problems, deps.myIpUrl !== undefined)) });
    } catch (error) {
      await client.chat.postMessage({ channel: user, text: userMessage(error, deps.logger, `modal request by ${user}`) });
    }
  });
}

/** The VMs a select action carries, single or multi, static or external. */
function chosenVms(action: StaticSelectAction | MultiStaticSelectAction | ExternalSelectAction | MultiExternalSelectAction): string[] {
  const options = action.type === 'multi_static_select' || action.type === 'multi_external_select' ? action.selected_options : [action.selected_option];
  return (options ?? []).flatMap((option) => (option?.value ? [option.value] : []));
}
