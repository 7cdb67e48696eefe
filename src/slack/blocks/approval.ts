// The message approvers act on, and the same message once decided. The decided
// version has no actions block, so a stale client cannot click a button that
// would only be refused by the compare-and-swap anyway.

import type { ActionsBlock, HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';
import { formatDuration } from '../../domain/duration.js';
import type { AccessRequest } from '../../domain/types.js';
import { escapeTruncated, mentionList, slackDate, truncate, userMention } from './escape.js';
import { extensionLine, portsText, requestIdText, summarySection, summaryLine, vmText } from './request-summary.js';

/** Shared with the listeners: the buttons' action IDs and the block holding them. */
export const APPROVAL_IDS = {
  block: 'jit_decision',
  approve: 'jit_approve',
  deny: 'jit_deny',
} as const;

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** At most this many characters of a deny or failure reason, so a section stays under 3000. */
const REASON_MAX = 1500;

export function approvalMessage(request: AccessRequest): SlackMessage {
  const blocks: KnownBlock[] = [
    header(request),
    askSection(request),
    summarySection(request),
    section(tallyText(request)),
    {
      type: 'actions',
      block_id: APPROVAL_IDS.block,
      elements: [
        {
          type: 'button',
          action_id: APPROVAL_IDS.approve,
          text: { type: 'plain_text', text: 'Approve' },
          style: 'primary',
          value: request.id,
        },
        {
          type: 'button',
          action_id: APPROVAL_IDS.deny,
          text: { type: 'plain_text', text: 'Deny' },
          style: 'danger',
          value: request.id,
        },
      ],
    } satisfies ActionsBlock,
  ];
  return { text: `${request.kind === 'extension' ? 'Extension' : 'Access'} request ${summaryLine(request)}`, blocks };
}

/**
 * The approval message after the request left `pending`. `at` is when it was
 * decided, when the caller knows it; the outcome line then carries the time.
 */
export function approvalResolvedMessage(request: AccessRequest, at?: number): SlackMessage {
  const outcome = outcomeText(request);
  const when = at === undefined ? '' : ` · ${slackDate(at)}`;
  const blocks: KnownBlock[] = [header(request), askSection(request), summarySection(request), section(`${outcome}${when}`)];
  return { text: `${request.kind === 'extension' ? 'Extension' : 'Access'} request ${requestIdText(request.id)}: ${outcome}`, blocks };
}

/** `Approved by <@U1>`, `Denied by <@U2>: reason`, `Timed out`, … for the request's current state. */
export function outcomeText(request: AccessRequest): string {
  const by = request.decidedBy;
  const reason = request.reason ? `: ${escapeTruncated(request.reason, REASON_MAX)}` : '';
  switch (request.state) {
    case 'pending':
      return tallyText(request);
    case 'approved':
      return approvedText(request);
    case 'active':
      return request.endAt === undefined
        ? `${approvedText(request)}; access is open`
        : `${approvedText(request)}; access is open until ${slackDate(request.endAt)}`;
    case 'closing':
      return `${approvedText(request)}; access is closing`;
    case 'closed':
      // An extension never opens a grant: it is closed once applied to its original.
      if (request.kind === 'extension') return `${approvedText(request)}; ${request.reason ? escapeTruncated(request.reason, REASON_MAX) : 'applied'}`;
      return `${approvedText(request)}; access is closed`;
    case 'failed':
      if (request.kind === 'extension') return `${approvedText(request)}; the extension was not applied${reason}`;
      return `${approvedText(request)}; opening access failed${reason}`;
    case 'denied':
      if (by === undefined || by === 'system') return `Denied by policy${reason}`;
      return `Denied by ${userMention(by)}${reason}`;
    case 'cancelled':
      if (by === undefined || by === request.requester) return 'Cancelled by the requester';
      if (by === 'system') return `Cancelled${reason}`;
      return `Cancelled by ${userMention(by)}`;
    case 'timed_out':
      return `Timed out: nobody approved it in time${deniedSuffix(request)}`;
  }
}

function approvedText(request: AccessRequest): string {
  if (request.approvals.length > 0) return `Approved by ${mentionList(request.approvals, 20, userMention)}${deniedSuffix(request)}`;
  const rule = request.decision.matchedRule;
  return rule === null ? 'Approved automatically' : `Approved automatically by rule \`${escapeTruncated(rule, 200)}\``;
}

/** ` (denied by <@bob>)`: a Deny the request outlived stays on the record. */
function deniedSuffix(request: AccessRequest): string {
  const denials = request.denials ?? [];
  return denials.length > 0 ? ` (denied by ${mentionList(denials, 20, userMention)})` : '';
}

/**
 * `1 of 2 approvals: <@alice> · denied by <@bob>`, then who may approve. Denials
 * appear only where the rule lets a request outlive a Deny.
 */
function tallyText(request: AccessRequest): string {
  const needed = request.decision.approvalsNeeded;
  const count = `*${request.approvals.length} of ${needed} approval${needed === 1 ? '' : 's'}*`;
  const sofar = request.approvals.length > 0 ? `: ${mentionList(request.approvals, 20, userMention)}` : '';
  const denials = request.denials ?? [];
  const denied = denials.length > 0 ? ` · denied by ${mentionList(denials, 20, userMention)}` : '';
  const who = request.decision.approvers.length > 0 ? `\nApprovers: ${mentionList(request.decision.approvers)}` : '';
  return `${count}${sofar}${denied}${who}`;
}

function header(request: AccessRequest): HeaderBlock {
  // plain_text: Slack does not parse mentions or links here, so the id needs no escaping.
  const kind = request.kind === 'extension' ? 'Extension request' : 'Access request';
  return { type: 'header', text: { type: 'plain_text', text: truncate(`${kind} #${request.id}`, 150) } };
}

function askSection(request: AccessRequest): SectionBlock {
  const extension = extensionLine(request);
  if (extension) {
    return section(`*${extension}*\n${userMention(request.requester)} asks for longer access to ${portsText(request.ports)} on *${vmText(request.vm)}*.`);
  }
  return section(
    `${userMention(request.requester)} asks for ${portsText(request.ports)} on *${vmText(request.vm)}* for ${formatDuration(request.durationSeconds)}.`,
  );
}

function section(text: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, 3000) } };
}
