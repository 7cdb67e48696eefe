// `/jit list`: the caller's own pending and active requests, one section each.
// Capped so a user with hundreds of requests still gets a message Slack accepts.

import type { KnownBlock } from '@slack/types';
import { formatCountdown, formatDuration } from '../../domain/duration.js';
import type { AccessRequest } from '../../domain/types.js';
import type { SlackMessage } from './approval.js';
import { endpointHint } from './dm.js';
import { slackDate, truncate } from './escape.js';
import { portsText, requestIdText, sourceText, vmText } from './request-summary.js';
import { batchIdOf } from '../../domain/request-kind.js';

/** Slack's limit on blocks in a message. */
const MAX_BLOCKS = 50;

export const EMPTY_LIST_TEXT = 'You have no pending or active requests. Start one with `/jit request`.';

export function requestListBlocks(requests: readonly AccessRequest[], now: number): SlackMessage {
  if (requests.length === 0) {
    return { text: EMPTY_LIST_TEXT, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: EMPTY_LIST_TEXT } }] };
  }
  const count = `You have ${requests.length} pending or active request${requests.length === 1 ? '' : 's'}.`;
  // One block for the heading; when the list overflows, one more for the "…and N more" line.
  const fitsAll = requests.length <= MAX_BLOCKS - 1;
  const shown = fitsAll ? requests : requests.slice(0, MAX_BLOCKS - 2);
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${count}*` } },
    ...shown.map((r): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: truncate(requestLine(r, now), 3000) } })),
  ];
  if (!fitsAll) {
    const more = requests.length - shown.length;
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${more} more` }] });
  }
  return { text: count, blocks };
}

function requestLine(request: AccessRequest, now: number): string {
  // A batch member is listed on its own (revoked on its own); the batch id says which request it came with.
  const batchId = batchIdOf(request);
  const batch = batchId !== undefined && batchId !== request.id ? ` · with ${requestIdText(batchId)}` : '';
  const head = `*${requestIdText(request.id)}* · *${vmText(request.vm)}* · ${portsText(request.ports)} from ${sourceText(request.source)}${batch}`;
  return `${head}\n${stateText(request, now)}`;
}

function stateText(request: AccessRequest, now: number): string {
  switch (request.state) {
    case 'pending': {
      const needed = request.decision.approvalsNeeded;
      return `Pending: ${request.approvals.length} of ${needed} approval${needed === 1 ? '' : 's'}, would run ${formatDuration(request.durationSeconds)}`;
    }
    case 'active': {
      // Where a firewall's DNAT put the grant, so the command is one tap away.
      const via = request.kind === 'grant' && request.endpoints?.length ? `\nConnect: ${endpointHint(request.endpoints)}` : '';
      if (request.endAt === undefined) return `Active${via}`;
      // `now` gives the remaining time, which reads faster than a clock time.
      return `Active until ${slackDate(request.endAt)} (${formatCountdown((request.endAt - now) / 1000)} left)${via}`;
    }
    case 'approved':
      return 'Approved, opening';
    case 'closing':
      return 'Closing';
    default:
      return request.state.replace('_', ' ');
  }
}
