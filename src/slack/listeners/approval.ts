// Approve and Deny buttons on approval messages. The click's own user is
// authorised by the workflow; a refusal is an ephemeral reply that changes nothing.

import type { App, BlockButtonAction } from '@slack/bolt';
import { normaliseRequestId } from '../../domain/ids.js';
import { APPROVAL_IDS } from '../blocks/approval.js';
import { userMessage, type ListenerDeps } from './deps.js';

export function registerApprovalButtons(app: App, deps: ListenerDeps): void {
  app.action<BlockButtonAction>(APPROVAL_IDS.approve, async ({ ack, body, action, respond }) => {
    await ack();
    const whisper = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    const id = normaliseRequestId(action.value ?? '');
    if (!id) return void (await whisper('That button does not carry a valid request ID; nothing was changed.'));
    try {
      const result = await deps.workflow.approve(id, body.user.id);
      if (result.outcome === 'approval_added') {
        const { approvals, decision } = result.request;
        await whisper(`Your approval of request #${id} is recorded: ${approvals.length} of ${decision.approvalsNeeded}.`);
      }
    } catch (error) {
      await whisper(userMessage(error, deps.logger, `approve ${id} by ${body.user.id}`));
    }
  });

  app.action<BlockButtonAction>(APPROVAL_IDS.deny, async ({ ack, body, action, respond }) => {
    await ack();
    const whisper = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    const id = normaliseRequestId(action.value ?? '');
    if (!id) return void (await whisper('That button does not carry a valid request ID; nothing was changed.'));
    try {
      await deps.workflow.deny(id, body.user.id);
    } catch (error) {
      await whisper(userMessage(error, deps.logger, `deny ${id} by ${body.user.id}`));
    }
  });
}
