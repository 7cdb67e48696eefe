// The one nudge approvers get, halfway to a pending request's timeout. It is a
// thread reply under the approval message, so it reaches whoever watches that
// message without repeating the request's facts.

import type { AccessRequest } from '../../domain/types.js';
import { plural } from '../../domain/wording.js';
import { mentionList, slackDate, userMention } from './escape.js';
import { extensionOfText, requestIdText } from './request-summary.js';

/**
 * `Reminder: request #k7m2qp from <@U1> still needs 1 more approval; it times out <!date…>.`
 * An extension says so: `Reminder: #p3x9rt, an extension of #k7m2qp (+30m) for <@U1>, still needs …`.
 */
export function approvalReminderText(request: AccessRequest, timesOutAt: number): string {
  const missing = Math.max(1, request.decision.approvalsNeeded - new Set(request.approvals).size);
  const denials = request.denials ?? [];
  const denied = denials.length > 0 ? ` (denied so far by ${mentionList(denials, 20, userMention)})` : '';
  const what =
    request.kind === 'extension'
      ? `${requestIdText(request.id)}, an ${extensionOfText(request)} for ${userMention(request.requester)},`
      : `request ${requestIdText(request.id)} from ${userMention(request.requester)}`;
  return `Reminder: ${what} still needs ${plural(missing, 'more approval')}${denied}; it times out ${slackDate(timesOutAt)}.`;
}
