// The break-glass message: loud (@here) and top-level in the audit channel, with
// an Acknowledge button that approvers use to review it after the fact.

import type { KnownBlock } from '@slack/types';
import type { AccessRequest } from '../../domain/types.js';
import type { SlackMessage } from './approval.js';
import { formatDuration } from '../../domain/duration.js';
import { slackDate, truncate, userMention } from './escape.js';
import { detailsContext, fromText, justificationQuote, portsText, requestIdText, sourceText, vmText } from './request-summary.js';
import { reviewOf } from '../../domain/request-kind.js';

export const BREAK_GLASS_IDS = { block: 'jit_break_glass', acknowledge: 'jit_ack_break_glass' } as const;

export function breakGlassMessage(request: AccessRequest): SlackMessage {
  const reviewed = reviewOf(request);
  const headline = `:rotating_light: *Break-glass*: ${userMention(request.requester)} opened ${portsText(request.ports)} on *${vmText(request.vm)}* without approval`;
  const asked = `${fromText(request.source)} · for ${formatDuration(request.durationSeconds)}\n${justificationQuote(request.justification, 1000)}`;
  const review = reviewed
    ? `:white_check_mark: Reviewed: acknowledged by ${userMention(reviewed.by)}${reviewed.at ? ` · ${slackDate(reviewed.at)}` : ''}`
    : '*Review required*: an approver must look at it and click Acknowledge.';
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(`${reviewed ? '' : '<!here> '}${headline}\n${asked}`, 3000) } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(review, 3000) } },
  ];
  if (!reviewed) {
    blocks.push({
      type: 'actions',
      block_id: BREAK_GLASS_IDS.block,
      elements: [
        { type: 'button', action_id: BREAK_GLASS_IDS.acknowledge, text: { type: 'plain_text', text: 'Acknowledge' }, style: 'primary', value: request.id },
      ],
    });
  }
  blocks.push(detailsContext(request));
  const text = `${reviewed ? '' : '<!here> '}Break-glass ${requestIdText(request.id)}: ${userMention(request.requester)} opened ${portsText(request.ports)} on ${vmText(request.vm)} without approval`;
  return { text, blocks };
}

/** `/jit breakglass`: the grants nobody has reviewed yet. */
export function unreviewedText(requests: readonly AccessRequest[]): string {
  if (requests.length === 0) return 'Every break-glass grant has been reviewed.';
  const lines = requests
    .slice(0, 50)
    .map(
      (r) =>
        `• ${requestIdText(r.id)} ${userMention(r.requester)}: ${portsText(r.ports)} on *${vmText(r.vm)}* from ${sourceText(r.source)}, ${slackDate(r.createdAt)} (${r.state.replace('_', ' ')})`,
    );
  if (requests.length > 50) lines.push(`• …and ${requests.length - 50} more`);
  return [`*${requests.length} break-glass grant${requests.length === 1 ? '' : 's'} not reviewed yet* (use Acknowledge on each alert):`, ...lines].join('\n');
}
