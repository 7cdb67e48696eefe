// The App Home's VM groups (Configured, Not configured, Unsupported), each
// bounded: at most a fixed number of blocks, each text within Slack's limits,
// and a "…and N more" line pointing at `/jit vms` for the rest.

import type { Button, KnownBlock, SectionBlock } from '@slack/types';
import { formatCountdown, formatDuration } from '../../domain/duration.js';
import type { ConfiguredVm, Guard, Inventory, NotConfiguredVm, UnsupportedVm } from '../../domain/inventory.js';
import type { PortPolicy } from '../../domain/types.js';
import { escapeTruncated, slackDate, truncate, userMention } from './escape.js';
import { portsText, requestIdText, vmText } from './request-summary.js';
import { EDIT_IDS } from './vm-edit-modal.js';

/** Shared with the listener: the admin's button on a VM the policy does not cover. */
export const ENABLE_ACTION = 'jit_enable_vm';

/** VMs shown one block each; the rest are counted. Together with the request lists this stays under Slack's 100 blocks. */
export const INVENTORY_LIMITS = { configured: 25, notConfigured: 15, grantsPerVm: 3 } as const;

const SECTION_MAX = 3000;
const BUTTON_VALUE_MAX = 2000;

export function inventoryBlocks(inventory: Inventory, isAdmin: boolean, now: number): KnownBlock[] {
  return [
    ...configuredBlocks(inventory.configured, now, isAdmin, inventory.notConfigured.length > 0),
    ...notConfiguredBlocks(inventory.notConfigured, isAdmin),
    ...unsupportedBlocks(inventory.unsupported),
  ];
}

/** One line per backend whose listing failed, or nothing. */
export function failureBlocks(failures: Inventory['failures']): KnownBlock[] {
  if (failures.length === 0) return [];
  const lines = failures.map(
    ({ backend, error }) => `:warning: Could not list the VMs of backend \`${escapeTruncated(backend, 40)}\`: ${escapeTruncated(error, 500)}`,
  );
  return [section(fitLines(lines, SECTION_MAX).text)];
}

function configuredBlocks(vms: readonly ConfiguredVm[], now: number, isAdmin: boolean, enableBelow: boolean): KnownBlock[] {
  const blocks: KnownBlock[] = [header(`Configured VMs (${vms.length})`)];
  if (vms.length === 0)
    return [...blocks, context(`No VM is configured yet: admins add VMs to the policy file${enableBelow ? ', or with Enable JIT below' : ''}.`)];
  const shown = vms.slice(0, INVENTORY_LIMITS.configured);
  // Admins get Edit beside each VM (the name is at most 64 characters, well within a button value).
  blocks.push(...shown.map((vm) => ({ ...section(configuredText(vm, now)), ...(isAdmin ? { accessory: editButton(vm) } : {}) })));
  return [...blocks, ...more(vms.length - shown.length)];
}

export function configuredText(vm: ConfiguredVm, now: number): string {
  const lines = [`*${vmText(vm.name)}* · ${portPolicyText(vm.ports)} · backend \`${escapeTruncated(vm.backend, 40)}\`${guardText(vm.guard)}`];
  const last = vm.lastAccess ? `last access ${slackDate(vm.lastAccess.at)} by ${userMention(vm.lastAccess.user)}` : 'no access yet';
  lines.push(`${vm.approvedRecently} approved request${vm.approvedRecently === 1 ? '' : 's'} in the last 7 days · ${last}`);
  if (vm.activeGrants.length > 0) {
    const grants = vm.activeGrants.slice(0, INVENTORY_LIMITS.grantsPerVm).map((grant) => {
      const until = grant.endAt === undefined ? '' : ` until ${slackDate(grant.endAt)} (${formatCountdown((grant.endAt - now) / 1000)} left)`;
      return `${requestIdText(grant.id)} ${userMention(grant.requester)} ${portsText(grant.ports)}${until}`;
    });
    const rest = vm.activeGrants.length - grants.length;
    lines.push(`Open now: ${grants.join('; ')}${rest > 0 ? `; and ${rest} more` : ''}`);
  }
  if (vm.problem) lines.push(`:warning: ${escapeTruncated(vm.problem, 1000)}`);
  return lines.join('\n');
}

/** `22/TCP (max 3h), 3389/TCP (max 1h)`: what may be asked for, per port. */
function portPolicyText(ports: readonly PortPolicy[]): string {
  const text = ports.map((port) => `${portsText([port])} (max ${formatDuration(port.maxDurationSeconds)})`).join(', ');
  return truncate(text, 1500);
}

// An empty Not configured or Unsupported group is left out (and out of the
// count line at the top): most backends (memory, nftables) cannot list VMs
// beyond the policy, so it would only ever be an empty header.
function notConfiguredBlocks(vms: readonly NotConfiguredVm[], isAdmin: boolean): KnownBlock[] {
  if (vms.length === 0) return [];
  const blocks: KnownBlock[] = [header(`Not configured (${vms.length})`)];
  if (!isAdmin) {
    // No buttons for non-admins, so the names fit into one section.
    const fitted = fitLines(vms.map(seenLine), SECTION_MAX);
    return [
      ...blocks,
      section(fitted.text),
      ...more(vms.length - fitted.shown),
      context('A firewall backend can see these VMs, but the policy does not cover them. Ask an admin to enable JIT on them.'),
    ];
  }
  const shown = vms.slice(0, INVENTORY_LIMITS.notConfigured);
  blocks.push(...shown.map((vm) => ({ ...section(seenLine(vm)), ...(vm.id.length <= BUTTON_VALUE_MAX ? { accessory: enableButton(vm) } : {}) })));
  return [...blocks, ...more(vms.length - shown.length)];
}

function editButton(vm: ConfiguredVm): Button {
  return { type: 'button', action_id: EDIT_IDS.homeButton, text: { type: 'plain_text', text: 'Edit' }, value: vm.name };
}

function enableButton(vm: NotConfiguredVm): Button {
  return { type: 'button', action_id: ENABLE_ACTION, text: { type: 'plain_text', text: 'Enable JIT' }, value: vm.id };
}

function unsupportedBlocks(vms: readonly UnsupportedVm[]): KnownBlock[] {
  if (vms.length === 0) return [];
  const blocks: KnownBlock[] = [header(`Unsupported (${vms.length})`)];
  const fitted = fitLines(
    vms.map((vm) => `${seenLine(vm)}: ${escapeTruncated(vm.reason, 500)}`),
    SECTION_MAX,
  );
  return [...blocks, section(fitted.text), ...more(vms.length - fitted.shown)];
}

function seenLine(vm: NotConfiguredVm): string {
  return `• *${vmText(vm.name)}* (\`${escapeTruncated(vm.backend, 40)}\`${guardText(vm.guard)})`;
}

const GUARDS: Record<Guard, string> = { nsg: 'NSG', firewall: 'Azure Firewall', both: 'NSG + Azure Firewall' };

/** ` · guarded by NSG + Azure Firewall`: what a grant on the VM opens, when its backend says. */
export function guardText(guard: Guard | undefined): string {
  return guard === undefined ? '' : ` · guarded by ${GUARDS[guard]}`;
}

/** As many whole lines as fit in `max` characters. */
export function fitLines(lines: readonly string[], max: number): { text: string; shown: number } {
  let text = '';
  let shown = 0;
  for (const line of lines) {
    const next = shown === 0 ? line : `${text}\n${line}`;
    if (next.length > max) break;
    text = next;
    shown += 1;
  }
  // A single line longer than the section is cut rather than dropped.
  if (shown === 0 && lines.length > 0) return { text: truncate(lines[0]!, max), shown: 1 };
  return { text, shown };
}

function more(count: number): KnownBlock[] {
  return count > 0 ? [context(`…and ${count} more: \`/jit vms\` lists every VM as text, \`/jit vms <name or glob>\` finds one.`)] : [];
}

export function header(text: string): KnownBlock {
  return { type: 'header', text: { type: 'plain_text', text: truncate(text, 150) } };
}

export function section(text: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SECTION_MAX) } };
}

export function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, SECTION_MAX) }] };
}
