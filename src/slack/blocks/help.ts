// `/jit help`: the one place a user learns the command grammar, so every
// form the parser accepts is listed here with an example that works as typed.

import { DEFAULT_AUDIT_DAYS } from '../audit-command.js';

export function helpText(): string {
  return [
    '*Just-in-time VM access*: management ports stay closed until you ask, and close again when your time is up.',
    '',
    '*Commands*',
    '• `/jit request`: open a form to choose one or more VMs, ports, your source address and a duration.',
    '• `/jit request <vm> <ports> <source> <duration> [justification…]`: the same in one line.',
    '    Example: `/jit request web-1 22 203.0.113.7 2h deploy hotfix`',
    '    Several ports: `22,3389`. The justification is everything after the duration.',
    '    Several VMs (at most 10): `/jit request web-1,db-1 22,5432 203.0.113.7 1h`: each VM gets the listed ports it has. ' +
      'One approval message covers them all, but each VM is its own request with its own ID and grant: `/jit list` shows each, ' +
      '`/jit revoke <id>` closes one, and `/jit cancel <first id>` withdraws every VM still waiting.',
    '• `/jit list`: your pending and active requests.',
    '• `/jit vms [name or glob]`: every VM: configured (ports, recent access, open grants), not configured, unsupported (and why), e.g. `/jit vms web-*`. The bot’s Home tab shows the same.',
    '• `/jit cancel <id>`: withdraw a pending request of yours, e.g. `/jit cancel abc123`.',
    '• `/jit revoke <id>`: close granted access now instead of waiting for its end time.',
    '• `/jit extend <id> [duration]`: more time for your open access, e.g. `/jit extend abc123 30m`; without a duration, as long again as first granted (never past the port maximum from the start). The *Extend* button in my DM does the same.',
    '• `/jit explain <vm> <ports> <source> <duration>`: which rule would decide such a request, and why the earlier rules did not match. Nothing is requested.',
    '• `/jit breakglass`: break-glass grants no approver has reviewed yet (approvers acknowledge them on the alert).',
    `• \`/jit audit [vm] [--days N]\`: the activity log as a CSV file in your DM (default the last ${DEFAULT_AUDIT_DAYS} days), for the audit readers the policy names.`,
    '• `/jit help`: this message.',
    '• Admins: `/jit enable <vm> [linux|windows]` puts a VM under JIT with Azure’s defaults (Linux 22; Windows 3389, 5985, 5986; any source; 3h); ' +
      '`/jit edit <vm>` opens a form to change its ports. The Home has *Enable JIT* and *Edit* buttons. Changes apply at once and are audited.',
    '',
    '*Durations*: `90m`, `2h`, `1d`, or ISO 8601 like `PT3H`. Each port has a maximum set by policy (shown in the form).',
    '',
    '*Source*: the address you connect from: one IP (`203.0.113.7`, `2001:db8::7`) or a CIDR (`203.0.113.0/24`). ' +
      "It must lie inside the sources the VM's policy allows; `*` (any source) only where the policy allows any. " +
      '`me` (or an empty source in the form) uses the address your browser connects from: I give you a *Use my IP* link.',
    '',
    'Depending on the rules, a request is approved at once, denied, or sent to approvers, who see *Approve* and *Deny* buttons. ' +
      'I DM you at each step, and every step is recorded in the audit channel.',
  ].join('\n');
}
