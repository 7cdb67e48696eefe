// The App Home tab: the user's own requests (Cancel / Revoke), the requests
// waiting for their approval (Approve / Deny), their API tokens (Revoke), then
// the VM inventory. Pure:
// data in, view out. Every list is capped so that the view stays within
// Slack's 100 blocks whatever the numbers; `/jit list` and `/jit vms` have
// the rest.

import type { ActionsBlock, Button, HomeView, KnownBlock } from '@slack/types';
import { formatCountdown, formatDuration } from '../../domain/duration.js';
import type { Inventory } from '../../domain/inventory.js';
import type { AccessRequest } from '../../domain/types.js';
import type { ApiToken } from '../../domain/api-token-record.js';
import { tokenHomeBlocks } from './api-tokens.js';
import { APPROVAL_IDS } from './approval.js';
import { mentionList, slackDate, userMention } from './escape.js';
import { GRANT_IDS, revokeConfirm } from './grant-dm.js';
import { context, failureBlocks, fitLines, header, inventoryBlocks, section } from './home-inventory.js';
import { askText, extensionOfText, fromText, justificationQuote, portsText, requestIdText, vmText } from './request-summary.js';
import { batchIdOf, isBreakGlass, reviewOf } from '../../domain/request-kind.js';
import { plural } from '../../domain/wording.js';

/** Slack's limit on a section's text. */
const SECTION_MAX = 3000;

/** Shared with the listener: withdrawing a pending request from the Home tab. */
export const CANCEL_ACTION = 'jit_cancel';

export const REQUEST_LIMITS = { mine: 10, awaiting: 8 } as const;

export interface HomeInput {
  inventory: Inventory;
  mine: readonly AccessRequest[];
  awaiting: readonly AccessRequest[];
  isAdmin: boolean;
  now: number;
  /** The user's live REST API tokens (each with Revoke); none: no section. */
  tokens?: readonly ApiToken[];
}

export function homeView(input: HomeInput): HomeView {
  const { inventory } = input;
  const counts = [
    `${inventory.configured.length} configured`,
    ...(inventory.notConfigured.length > 0 ? [`${inventory.notConfigured.length} not configured`] : []),
    ...(inventory.unsupported.length > 0 ? [`${inventory.unsupported.length} unsupported`] : []),
  ].join(' · ');
  const blocks: KnownBlock[] = [
    header('Just-in-time VM access'),
    context(`${counts} · updated ${slackDate(input.now)}. Ask for access with \`/jit request\`; \`/jit help\` lists every command.`),
    ...failureBlocks(inventory.failures),
    ...mineBlocks(input.mine, input.now),
    ...awaitingBlocks(input.awaiting),
    ...tokenHomeBlocks(input.tokens ?? []),
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

/**
 * `*#k7m2qp* · *web-1* · 22/TCP from …` and its state; a waiting batch names
 * each VM with its own ports and tally; an extension says which grant it extends.
 */
function mineText(group: readonly AccessRequest[], now: number): string {
  const first = group[0]!;
  if (group.length > 1) {
    const id = batchIdOf(first) ?? first.id;
    const head = `*${requestIdText(id)}* · ${plural(group.length, 'VM')} ${fromText(first.source)} · for ${formatDuration(first.durationSeconds)}`;
    return fitLines([head, ...group.map((member) => `• ${memberLine(member)}: waiting, ${tallyOf(member)}`)], SECTION_MAX).text;
  }
  if (first.kind === 'extension') {
    return `*${requestIdText(first.id)}* · ${extensionOfText(first)} · *${vmText(first.vm)}* · ${portsText(first.ports)}\n${stateText(first, now)}`;
  }
  return `*${requestIdText(first.id)}* · *${vmText(first.vm)}* · ${portsText(first.ports)} ${fromText(first.source)}\n${stateText(first, now)}`;
}

/** `*web-1* 22/TCP`: one VM of a batch. */
function memberLine(request: AccessRequest): string {
  return `*${vmText(request.vm)}* ${portsText(request.ports)}`;
}

/** `0 of 1 approval`, with who approved so far. */
function tallyOf(request: AccessRequest): string {
  const sofar = request.approvals.length > 0 ? ` (${mentionList(request.approvals, 10, userMention)})` : '';
  return `${request.approvals.length} of ${plural(request.decision.approvalsNeeded, 'approval')}${sofar}`;
}

function stateText(request: AccessRequest, now: number): string {
  switch (request.state) {
    case 'pending': {
      const asked = request.kind === 'extension' ? '' : `, for ${formatDuration(request.durationSeconds)}`;
      return `Waiting: ${tallyOf(request)}${asked}`;
    }
    case 'active': {
      const glass = isBreakGlass(request) ? ` · opened by break-glass, ${reviewOf(request) ? 'reviewed' : 'review required'}` : '';
      if (request.endAt === undefined) return `Open${glass}`;
      return `Open until ${slackDate(request.endAt)} (${formatCountdown((request.endAt - now) / 1000)} left)${glass}`;
    }
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
    confirm: revokeConfirm(first),
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

/**
 * What the approver decides on, as in the approval message: who asks for what,
 * from where, for how long, why. A batch lists every VM with its own ports and
 * tally, since its Approve decides them all.
 */
function awaitingText(group: readonly AccessRequest[]): string {
  const first = group[0]!;
  const asked = `asked ${slackDate(first.createdAt)}`;
  if (group.length === 1) {
    const [ask = '', ...rest] = askText(first, 1000).split('\n');
    return [`*${requestIdText(first.id)}* · ${ask}`, ...rest.slice(0, 1), `${tallyOf(first)} · ${asked}`, ...rest.slice(1)].join('\n');
  }
  const id = batchIdOf(first) ?? first.id;
  const lines = [
    `*${requestIdText(id)}* · ${userMention(first.requester)} asks for ${plural(group.length, 'VM')}`,
    `${fromText(first.source)} · for ${formatDuration(first.durationSeconds)} · ${asked}`,
    justificationQuote(first.justification, 1000),
    ...group.map((member) => `• ${memberLine(member)}: ${tallyOf(member)}`),
  ];
  return fitLines(lines, SECTION_MAX).text;
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
