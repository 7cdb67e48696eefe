// The App Home tab: the user's own requests (Cancel / Revoke), the requests
// waiting for their approval (Approve / Deny), then the VM inventory. Pure:
// data in, view out. Every list is capped so that the view stays within
// Slack's 100 blocks whatever the numbers; `/jit list` and `/jit vms` have
// the rest.

import type { ActionsBlock, Button, HomeView, KnownBlock } from '@slack/types';
import { formatDuration } from '../../domain/duration.js';
import type { Inventory } from '../../domain/inventory.js';
import type { AccessRequest } from '../../domain/types.js';
import { APPROVAL_IDS } from './approval.js';
import { escapeTruncated, mentionList, slackDate, userMention } from './escape.js';
import { GRANT_IDS } from './grant-dm.js';
import { context, failureBlocks, header, inventoryBlocks, section } from './home-inventory.js';
import { portsText, requestIdText, sourceText, vmText } from './request-summary.js';
import { batchIdOf } from '../../domain/request-kind.js';

/** Shared with the listener: withdrawing a pending request from the Home tab. */
export const CANCEL_ACTION = 'jit_cancel';

export const REQUEST_LIMITS = { mine: 10, awaiting: 8 } as const;

export interface HomeInput {
  inventory: Inventory;
  mine: readonly AccessRequest[];
  awaiting: readonly AccessRequest[];
  isAdmin: boolean;
  now: number;
}

export function homeView(input: HomeInput): HomeView {
  const { inventory } = input;
  const counts = `${inventory.configured.length} configured · ${inventory.notConfigured.length} not configured · ${inventory.unsupported.length} unsupported`;
  const blocks: KnownBlock[] = [
    header('Just-in-time VM access'),
    context(`${counts} · updated ${slackDate(input.now)}. Ask for access with \`/jit request\`; \`/jit help\` lists every command.`),
    ...failureBlocks(inventory.failures),
    ...mineBlocks(input.mine, input.now),
    ...awaitingBlocks(input.awaiting),
    { type: 'divider' },
    ...inventoryBlocks(inventory, input.isAdmin, input.now),
  ];
  return { type: 'home', blocks };
}

/** A batch's members that are still waiting show as one item (Cancel withdraws them all); the rest one by one. */
export function groupByBatch(requests: readonly AccessRequest[], pendingOnly: boolean): AccessRequest[][] {
  const groups = new Map<string, AccessRequest[]>();
  for (const request of requests) {
    const batch = batchIdOf(request);
    const key = batch !== undefined && (!pendingOnly || request.state === 'pending') ? `batch:${batch}` : request.id;
    groups.set(key, [...(groups.get(key) ?? []), request]);
  }
  return [...groups.values()];
}

function mineBlocks(mine: readonly AccessRequest[], now: number): KnownBlock[] {
  const blocks: KnownBlock[] = [header('Your requests')];
  if (mine.length === 0) return [...blocks, section('You have no pending or active requests. Ask with `/jit request`.')];
  const items = groupByBatch(mine, true);
  const shown = items.slice(0, REQUEST_LIMITS.mine);
  for (const group of shown) {
    const block = section(mineText(group, now));
    const button = mineButton(group);
    blocks.push(button ? { ...block, accessory: button } : block);
  }
  const rest = items.length - shown.length;
  if (rest > 0) blocks.push(context(`…and ${rest} more: \`/jit list\` shows them all.`));
  return blocks;
}

function mineText(group: readonly AccessRequest[], now: number): string {
  const first = group[0]!;
  const id = group.length > 1 ? (batchIdOf(first) ?? first.id) : first.id;
  const vms = group.map((r) => vmText(r.vm)).join(', ');
  const head = `*${requestIdText(id)}* · *${escapeTruncated(vms, 1000)}* · ${portsText(first.ports)} from ${sourceText(first.source)}`;
  return `${head}\n${stateText(first, now)}`;
}

function stateText(request: AccessRequest, now: number): string {
  switch (request.state) {
    case 'pending': {
      const needed = request.decision.approvalsNeeded;
      return `Waiting: ${request.approvals.length} of ${needed} approval${needed === 1 ? '' : 's'}, for ${formatDuration(request.durationSeconds)}`;
    }
    case 'active':
      if (request.endAt === undefined) return 'Open';
      return `Open until ${slackDate(request.endAt)} (${formatDuration(Math.max(0, Math.round((request.endAt - now) / 1000)))} left)`;
    case 'approved':
      return 'Approved, opening';
    default:
      return request.state.replace('_', ' ');
  }
}

/** Cancel while waiting (the batch leader's id withdraws every waiting member), Revoke once granted, nothing while closing. */
function mineButton(group: readonly AccessRequest[]): Button | undefined {
  const first = group[0]!;
  if (first.state === 'pending') {
    const value = group.length > 1 ? (batchIdOf(first) ?? first.id) : first.id;
    return { type: 'button', action_id: CANCEL_ACTION, text: { type: 'plain_text', text: 'Cancel' }, value };
  }
  if (first.state !== 'approved' && first.state !== 'active') return undefined;
  return {
    type: 'button',
    action_id: GRANT_IDS.revoke,
    text: { type: 'plain_text', text: 'Revoke' },
    style: 'danger',
    value: first.id,
    confirm: {
      title: { type: 'plain_text', text: 'Revoke access?' },
      text: { type: 'plain_text', text: `Close ${portsText(first.ports)} on ${first.vm.slice(0, 64)} now.` },
      confirm: { type: 'plain_text', text: 'Revoke' },
      deny: { type: 'plain_text', text: 'Keep it open' },
    },
  };
}

function awaitingBlocks(awaiting: readonly AccessRequest[]): KnownBlock[] {
  if (awaiting.length === 0) return [];
  const items = groupByBatch(awaiting, false);
  const blocks: KnownBlock[] = [header(`Waiting for your approval (${items.length})`)];
  const shown = items.slice(0, REQUEST_LIMITS.awaiting);
  for (const group of shown) blocks.push(section(awaitingText(group)), decisionButtons(group));
  const rest = items.length - shown.length;
  if (rest > 0) blocks.push(context(`…and ${rest} more: they are in the approval channel or your DMs.`));
  return blocks;
}

function awaitingText(group: readonly AccessRequest[]): string {
  const first = group[0]!;
  const id = group.length > 1 ? (batchIdOf(first) ?? first.id) : first.id;
  const vms = escapeTruncated(group.map((r) => r.vm).join(', '), 1000);
  const needed = first.decision.approvalsNeeded;
  const tally = `${first.approvals.length} of ${needed} approval${needed === 1 ? '' : 's'}${first.approvals.length > 0 ? ` (${mentionList(first.approvals, 10, userMention)})` : ''}`;
  const why = first.justification.trim() === '' ? '_no justification_' : escapeTruncated(first.justification.trim(), 1000);
  return [
    `*${requestIdText(id)}* · ${userMention(first.requester)} asks for ${portsText(first.ports)} on *${vms}* from ${sourceText(first.source)} for ${formatDuration(first.durationSeconds)}`,
    `${tally} · asked ${slackDate(first.createdAt)}`,
    `> ${why}`,
  ].join('\n');
}

/** The approval message's own buttons: the same action IDs, so one listener serves both surfaces. */
function decisionButtons(group: readonly AccessRequest[]): ActionsBlock {
  const first = group[0]!;
  const value = group.length > 1 ? (batchIdOf(first) ?? first.id) : first.id;
  return {
    type: 'actions',
    block_id: `${APPROVAL_IDS.block}_${value}`,
    elements: [
      { type: 'button', action_id: APPROVAL_IDS.approve, text: { type: 'plain_text', text: 'Approve' }, style: 'primary', value },
      { type: 'button', action_id: APPROVAL_IDS.deny, text: { type: 'plain_text', text: 'Deny' }, style: 'danger', value },
    ],
  };
}
