// `/jit vms [glob]`: the App Home's inventory as one ephemeral text, each group
// given a share of a budget well inside Slack's 40,000 characters, the rest
// counted with a hint to narrow the list.

import { formatCountdown, formatDuration } from '../../domain/duration.js';
import type { ConfiguredVm, Inventory } from '../../domain/inventory.js';
import { escapeTruncated, slackDate, truncate, userMention } from './escape.js';
import { fitLines, guardText } from './home-inventory.js';
import { portsText, vmText } from './request-summary.js';

/** Characters per group; with the header lines the whole text stays under 36,000. */
export const VMS_TEXT_BUDGET = { configured: 20_000, notConfigured: 7_000, unsupported: 7_000 } as const;

export function vmsText(inventory: Inventory, now: number, filter?: string): string {
  const scope = filter === undefined ? '' : ` matching \`${escapeTruncated(filter, 64)}\``;
  const counts = `${inventory.configured.length} configured · ${inventory.notConfigured.length} not configured · ${inventory.unsupported.length} unsupported`;
  const failures = inventory.failures.map(
    ({ backend, error }) => `:warning: Could not list the VMs of backend \`${escapeTruncated(backend, 40)}\`: ${escapeTruncated(error, 500)}`,
  );
  const none = inventory.configured.length + inventory.notConfigured.length + inventory.unsupported.length === 0;
  if (filter !== undefined && none) {
    return [
      `No VM matches \`${escapeTruncated(filter, 64)}\`. \`/jit vms\` lists every VM; \`*\` matches any characters, as in \`/jit vms web-*\`.`,
      ...failures,
    ].join('\n');
  }
  const parts = [`*VMs${scope}*: ${counts}`, ...failures];
  parts.push(
    group(
      'Configured',
      inventory.configured.map((vm) => configuredLine(vm, now)),
      VMS_TEXT_BUDGET.configured,
    ),
    group(
      'Not configured',
      inventory.notConfigured.map((vm) => `• *${vmText(vm.name)}* (\`${escapeTruncated(vm.backend, 40)}\`${guardText(vm.guard)})`),
      VMS_TEXT_BUDGET.notConfigured,
    ),
    group(
      'Unsupported',
      inventory.unsupported.map((vm) => `• *${vmText(vm.name)}* (\`${escapeTruncated(vm.backend, 40)}\`): ${escapeTruncated(vm.reason, 400)}`),
      VMS_TEXT_BUDGET.unsupported,
    ),
  );
  return parts.join('\n');
}

function group(title: string, lines: string[], budget: number): string {
  const heading = `\n*${title} (${lines.length})*`;
  if (lines.length === 0) return `${heading}\nNone.`;
  const fitted = fitLines(lines, budget);
  const rest = lines.length - fitted.shown;
  return `${heading}\n${fitted.text}${rest > 0 ? `\n…and ${rest} more: narrow the list with \`/jit vms <name or glob>\`, e.g. \`/jit vms web-*\`.` : ''}`;
}

function configuredLine(vm: ConfiguredVm, now: number): string {
  // Ports carry no characters mrkdwn treats specially, so a cut cannot break an entity.
  const ports = truncate(vm.ports.map((port) => `${portsText([port])} (max ${formatDuration(port.maxDurationSeconds)})`).join(', '), 300);
  const parts = [
    `• *${vmText(vm.name)}* · ${ports} · \`${escapeTruncated(vm.backend, 40)}\`${guardText(vm.guard)}`,
    `${vm.approvedRecently} approved in 7 days`,
  ];
  parts.push(vm.lastAccess ? `last access ${slackDate(vm.lastAccess.at)} by ${userMention(vm.lastAccess.user)}` : 'no access yet');
  const open = vm.activeGrants.length;
  if (open > 0) {
    const soonest = vm.activeGrants[0]?.endAt;
    parts.push(`${open} open${soonest === undefined ? '' : `, the first until ${slackDate(soonest)} (${formatCountdown((soonest - now) / 1000)} left)`}`);
  }
  if (vm.problem) parts.push(`:warning: ${escapeTruncated(vm.problem, 300)}`);
  return parts.join(' · ');
}
