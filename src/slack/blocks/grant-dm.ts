// The requester's DMs about an open grant carry its buttons: `Extend` and
// `Revoke now` when it opens or is extended, `Extend` alone on the warning
// before the end. Each button names the grant and the end its message showed,
// so a click on a message an extension has made stale changes nothing.

import type { ActionsBlock, Button, ConfirmationDialog, KnownBlock } from '@slack/types';
import { formatDuration } from '../../domain/duration.js';
import { normaliseRequestId } from '../../domain/ids.js';
import type { AccessRequest, AuditEventName } from '../../domain/types.js';
import { requesterDmText } from './dm.js';
import { mentionList, slackDate, truncate } from './escape.js';
import { portsText, requestIdText } from './request-summary.js';

/** Shared with the listeners: the buttons' action IDs and the block holding them. */
export const GRANT_IDS = {
  block: 'jit_grant',
  extend: 'jit_extend',
  revoke: 'jit_revoke',
} as const;

const BUTTONS: Partial<Record<AuditEventName, ('extend' | 'revoke')[]>> = {
  'grant.opened': ['extend', 'revoke'],
  'grant.extended': ['extend', 'revoke'],
  'grant.expiry_warning': ['extend'],
};

/** The requester's DM for `event`: plain text, plus the grant's buttons while it is open. */
export function requesterDmMessage(event: AuditEventName, request: AccessRequest, connectHint?: string): { text: string; blocks?: KnownBlock[] } {
  const text = requesterDmText(event, request, connectHint);
  const buttons = BUTTONS[event];
  if (!buttons || request.state !== 'active' || request.endAt === undefined) return { text };
  const value = grantButtonValue(request.id, request.endAt);
  const actions: ActionsBlock = { type: 'actions', block_id: GRANT_IDS.block, elements: buttons.map((which) => button(which, value, request)) };
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: truncate(text, 3000) } }, actions] };
}

function button(which: 'extend' | 'revoke', value: string, request: AccessRequest): Button {
  if (which === 'extend') return { type: 'button', action_id: GRANT_IDS.extend, text: { type: 'plain_text', text: 'Extend' }, style: 'primary', value };
  return {
    type: 'button',
    action_id: GRANT_IDS.revoke,
    text: { type: 'plain_text', text: 'Revoke now' },
    style: 'danger',
    value,
    confirm: revokeConfirm(request),
  };
}

/** A Revoke closes the port at once: one slip of a thumb must not cut off a session, so Slack asks first. */
export function revokeConfirm(request: Pick<AccessRequest, 'id' | 'ports' | 'vm'>): ConfirmationDialog {
  // plain_text shows an entity as typed, so the characters mrkdwn would need escaped are dropped from the name instead.
  const vm = request.vm.replace(/[<>&]/g, '');
  return {
    title: { type: 'plain_text', text: 'Revoke access?' },
    text: { type: 'plain_text', text: truncate(`Close ${portsText(request.ports)} on ${vm} now (request #${request.id})?`, 300) },
    confirm: { type: 'plain_text', text: 'Revoke' },
    deny: { type: 'plain_text', text: 'Keep it open' },
  };
}

/** `k7m2qp@1764320400000`: the request and the end the message showed. */
export function grantButtonValue(id: string, endAt: number): string {
  return `${id}@${endAt}`;
}

/** Reads a button value back; undefined unless it names one of our request IDs (the end is optional). */
export function parseGrantButtonValue(value: unknown): { id: string; endAt?: number } | undefined {
  // A forged payload can carry any JSON value here.
  if (typeof value !== 'string') return undefined;
  const [idText = '', endText, ...rest] = value.split('@');
  const id = normaliseRequestId(idText);
  if (!id || rest.length > 0) return undefined;
  if (endText === undefined) return { id };
  if (!/^\d{1,16}$/.test(endText)) return undefined;
  return { id, endAt: Number(endText) };
}

/** The reply to `/jit extend`: how much was added and the new end, or which extension now waits for approval. */
export function extendedReplyText(result: { request: AccessRequest; addedSeconds: number; capped: boolean; extension?: AccessRequest }): string {
  const { request, extension } = result;
  if (extension) {
    const needed = extension.decision.approvalsNeeded;
    return (
      `Extending ${requestIdText(request.id)} by ${formatDuration(result.addedSeconds)} needs approval: extension ${requestIdText(extension.id)} ` +
      `is waiting for ${needed === 1 ? 'one approval' : `${needed} approvals`} from ${mentionList(extension.decision.approvers)}. ` +
      `Access stays open until ${slackDate(request.endAt ?? 0)} meanwhile; you will get a DM when it is decided. Withdraw it with \`/jit cancel ${extension.id}\`.`
    );
  }
  const capped = result.capped ? ', as much as the port maximum allows' : '';
  return `Request ${requestIdText(request.id)} is extended by ${formatDuration(result.addedSeconds)}${capped}: open until ${slackDate(request.endAt ?? 0)}.`;
}
