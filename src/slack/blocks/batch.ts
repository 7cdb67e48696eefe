// Several VMs in one request (a batch): one approval message for all members,
// and the requester's summaries. Always rendered from every member's current
// state, so a message updated in place never shows a stale member.

import type { ActionsBlock, KnownBlock, SectionBlock } from '@slack/types';
import { formatDuration } from '../../domain/duration.js';
import type { AccessRequest } from '../../domain/types.js';
import { plural } from '../../domain/wording.js';
import { APPROVAL_IDS, outcomeText, tallyCount, type SlackMessage } from './approval.js';
import { escapeTruncated, mentionList, slackDate, truncate, userMention } from './escape.js';
import { fromText, justificationQuote, portsText, requestIdText, ruleText, sourceText, vmText } from './request-summary.js';
import { batchIdOf } from '../../domain/request-kind.js';

const REASON_MAX = 500;

/**
 * The approval message of a batch, as short as one VM's: what is asked, one
 * line per VM (its ports, its tally or outcome), one pair of buttons for all
 * (value: the batch id), and the request IDs and rules in small print.
 */
export function batchApprovalMessage(members: readonly AccessRequest[], at?: number): SlackMessage {
  const leader = members[0];
  if (leader === undefined) throw new Error('a batch has at least one member');
  const batchId = batchIdOf(leader) ?? leader.id;
  const pending = members.filter((member) => member.state === 'pending');
  const approvers = sharedApprovers(members);
  const ask = [
    `${userMention(leader.requester)} asks for ${plural(members.length, 'VM')}`,
    `${fromText(leader.source)} · for ${formatDuration(leader.durationSeconds)}`,
    justificationQuote(leader.justification, 1000),
    ...(approvers && pending.length > 0 ? [`Approvers: ${mentionList(approvers)}`] : []),
  ];
  const blocks: KnownBlock[] = [section(ask.join('\n')), ...members.map((member) => section(memberText(member, approvers === undefined)))];
  if (pending.length > 0) {
    blocks.push({
      type: 'actions',
      block_id: APPROVAL_IDS.block,
      elements: [
        { type: 'button', action_id: APPROVAL_IDS.approve, text: { type: 'plain_text', text: 'Approve' }, style: 'primary', value: batchId },
        { type: 'button', action_id: APPROVAL_IDS.deny, text: { type: 'plain_text', text: 'Deny' }, style: 'danger', value: batchId },
      ],
    } satisfies ActionsBlock);
  }
  const decided = pending.length === 0 && at !== undefined ? ` · decided ${slackDate(at)}` : '';
  const oneClick = pending.length > 0 ? ' · one click decides every VM still waiting that you may decide' : '';
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(`${detailsText(members)}${oneClick}${decided}`, 3000) }] });
  const vms = members.map((member) => vmText(member.vm)).join(', ');
  const state = pending.length > 0 ? `${pending.length} of ${members.length} waiting` : 'decided';
  return { text: truncate(`Access request ${requestIdText(batchId)}: ${userMention(leader.requester)} asks for ${vms} (${state})`, 3000), blocks };
}

/** `*web-1* · 22/TCP`, then its tally while pending (with its approvers when they differ between VMs) or its outcome. */
function memberText(member: AccessRequest, ownApprovers: boolean): string {
  const head = `*${vmText(member.vm)}* · ${portsText(member.ports)}`;
  if (member.state !== 'pending') return `${head}\n${outcomeText(member)}`;
  const who = ownApprovers && member.decision.approvers.length > 0 ? ` · approvers: ${mentionList(member.decision.approvers)}` : '';
  return `${head}\n${tallyCount(member)}${who}`;
}

/** The approvers every member shares, or undefined when they differ (each member then names its own). */
function sharedApprovers(members: readonly AccessRequest[]): string[] | undefined {
  const key = (member: AccessRequest): string => [...member.decision.approvers].sort().join(',');
  const first = members[0];
  if (!first || first.decision.approvers.length === 0 || members.some((member) => key(member) !== key(first))) return undefined;
  return first.decision.approvers;
}

/** `#k7m2qp web-1, #p3x9rt db-1 · rule `x`: …`: one rule when every member had the same, else one per VM. */
function detailsText(members: readonly AccessRequest[]): string {
  const ids = members.map((member) => `${requestIdText(member.id)} ${vmText(member.vm)}`).join(', ');
  const rules = members.map((member) => ruleText(member.decision, REASON_MAX));
  if (rules.every((rule) => rule === rules[0])) return `${ids} · ${rules[0] ?? ''}`;
  return `${ids} · ${members.map((member, i) => `${vmText(member.vm)}: ${rules[i]}`).join('; ')}`;
}

/** The requester's view of a batch (inline reply and DM): every member, its state, and what to type next. */
export function batchSummaryText(members: readonly AccessRequest[], intro: 'reply' | 'dm'): string {
  const leader = members[0];
  if (leader === undefined) return 'The request has no VMs.';
  const batchId = batchIdOf(leader) ?? leader.id;
  const head = `${intro === 'dm' ? 'Your request' : 'Request'} ${requestIdText(batchId)} for ${plural(members.length, 'VM')} from ${sourceText(leader.source)} for ${formatDuration(leader.durationSeconds)}:`;
  const lines = members.map((member) => `• ${requestIdText(member.id)} ${portsText(member.ports)} on *${vmText(member.vm)}*: ${stateText(member)}`);
  const hints: string[] = [];
  if (members.some((member) => member.state === 'pending')) {
    hints.push(`The approvers get one message for all of them. Withdraw every waiting VM with \`/jit cancel ${batchId}\`, or one with \`/jit cancel <id>\`.`);
  }
  if (members.some((member) => member.state === 'active' || member.state === 'approved')) {
    hints.push('Each VM is its own grant: close one early with `/jit revoke <id>`; `/jit list` shows them all.');
  }
  return truncate([head, ...lines, ...hints].join('\n'), 3000);
}

function stateText(member: AccessRequest): string {
  const reason = member.reason ? `: ${escapeTruncated(member.reason, REASON_MAX)}` : '';
  switch (member.state) {
    case 'pending': {
      const needed = member.decision.approvalsNeeded;
      return `waiting for ${needed === 1 ? 'one approval' : `${needed} approvals`} from ${mentionList(member.decision.approvers)}`;
    }
    case 'active':
      return `${member.decision.effect === 'break_glass' ? 'open (break-glass)' : 'open'} until ${slackDate(member.endAt ?? 0)}`;
    case 'approved':
      return 'approved, opening now';
    case 'denied':
      return `denied${reason}`;
    case 'failed':
      return `approved but could not be opened${reason}`;
    default:
      return member.state.replace('_', ' ');
  }
}

/** The halfway nudge under a batch's approval messages: one for the whole batch. */
export function batchReminderText(members: readonly AccessRequest[], timesOutAt: number): string {
  const leader = members[0];
  const batchId = (leader && batchIdOf(leader)) ?? leader?.id ?? '';
  const waiting = members.filter((member) => member.state === 'pending').map((member) => `${requestIdText(member.id)} (*${vmText(member.vm)}*)`);
  const who = leader ? ` from ${userMention(leader.requester)}` : '';
  return truncate(
    `Reminder: request ${requestIdText(batchId)}${who} still waits for approval of ${waiting.join(', ') || 'its VMs'}; it times out ${slackDate(timesOutAt)}.`,
    3000,
  );
}

function section(text: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, 3000) } };
}
