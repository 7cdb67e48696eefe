// The message approvers act on, and the same message once decided. The decided
// version has no actions block, so a stale client cannot click a button that
// would only be refused by the compare-and-swap anyway.

import type { ActionsBlock, KnownBlock, SectionBlock } from '@slack/types';
import type { AccessRequest } from '../../domain/types.js';
import { escapeTruncated, mentionList, slackDate, truncate, userMention } from './escape.js';
import { reviewOf } from '../../domain/request-kind.js';
import { plural } from '../../domain/wording.js';
import { askSection, detailsContext, requestIdText, summaryLine } from './request-summary.js';

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

/**
 * Short enough to decide on a phone at a glance: what is asked (who, what,
 * from where, how long, why), the tally, the buttons; the request ID and the
 * rule once, in small print below.
 */
export function approvalMessage(request: AccessRequest): SlackMessage {
  const blocks: KnownBlock[] = [
    askSection(request),
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
    detailsContext(request),
  ];
  return { text: `${kindText(request)} ${summaryLine(request)}`, blocks };
}

/**
 * The approval message after the request left `pending`. `at` is when it was
 * decided, when the caller knows it; the outcome line then carries the time.
 */
export function approvalResolvedMessage(request: AccessRequest, at?: number): SlackMessage {
  const outcome = outcomeText(request);
  const when = at === undefined ? '' : ` · ${slackDate(at)}`;
  const blocks: KnownBlock[] = [askSection(request), section(`${outcome}${when}`), detailsContext(request)];
  return { text: `${kindText(request)} ${requestIdText(request.id)}: ${outcome}`, blocks };
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
  if (request.decision.effect === 'break_glass') return breakGlassText(request);
  if (request.approvals.length > 0) return `Approved by ${mentionList(request.approvals, 20, userMention)}${deniedSuffix(request)}`;
  const rule = request.decision.matchedRule;
  return rule === null ? 'Approved automatically' : `Approved automatically by rule \`${escapeTruncated(rule, 200)}\``;
}

/** `Opened by break-glass, review required`: nobody approved it, and an approver has to look at it afterwards. */
function breakGlassText(request: AccessRequest): string {
  const review = reviewOf(request);
  return `Opened by break-glass without approval; ${review ? `reviewed by ${userMention(review.by)}` : 'review required'}`;
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
  const who = request.decision.approvers.length > 0 ? `\nApprovers: ${mentionList(request.decision.approvers)}` : '';
  return `${tallyCount(request)}${who}`;
}

/** `*1 of 2 approvals*: <@alice> · denied by <@bob>`, without who may approve. */
export function tallyCount(request: AccessRequest): string {
  const needed = request.decision.approvalsNeeded;
  const count = `*${request.approvals.length} of ${plural(needed, 'approval')}*`;
  const sofar = request.approvals.length > 0 ? `: ${mentionList(request.approvals, 20, userMention)}` : '';
  const denials = request.denials ?? [];
  const denied = denials.length > 0 ? ` · denied by ${mentionList(denials, 20, userMention)}` : '';
  return `${count}${sofar}${denied}`;
}

/** `Access request`, or `Extension request` for one that extends a grant. */
function kindText(request: AccessRequest): string {
  return request.kind === 'extension' ? 'Extension request' : 'Access request';
}

function section(text: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, 3000) } };
}
