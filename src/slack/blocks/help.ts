// `/jit help`: one short line per command, sized for a phone screen; `/jit help
// <command>` gives that command's grammar and examples that work as typed. The
// one place a user learns the grammar, so every form the parser accepts is here.

import type { JitVerb } from '../jit-command.js';
import { DEFAULT_AUDIT_DAYS } from '../audit-command.js';

export interface HelpOptions {
  /** JIT_PUBLIC_URL is set: the bot can hand out "Use my IP" links, so `me` works. */
  myIpLink: boolean;
  /** JIT_PUBLIC_URL, where scripts reach the REST API; absent: the bot's own address. */
  publicUrl?: string;
}

interface CommandHelp {
  /** The short list's line: the form and what it does. */
  line: string;
  /** `/jit help <command>`: the grammar, what it does, examples. */
  details: (options: HelpOptions) => string[];
}

const HELP: Record<JitVerb, CommandHelp> = {
  request: {
    line: '`/jit request`: ask for access (a form, or one line)',
    details: (options) => [
      '`/jit request`: a form to choose VMs, ports, your source address, a duration and a justification.',
      '`/jit request <vm> <ports> <source> <duration> [justification…]`: the same in one line.',
      'Example: `/jit request web-1 22 203.0.113.7 2h deploy hotfix`',
      '*Ports*: `22`, or `22,3389` for several.',
      '*Several VMs* (at most 10): `/jit request web-1,db-1 22,5432 203.0.113.7 1h`. Each VM gets the listed ports it has and becomes its own request with its own ID: `/jit list` shows each, `/jit revoke <id>` closes one, `/jit cancel <first id>` withdraws all still waiting.',
      '*Source*: the address you connect from: one IP (`203.0.113.7`, `2001:db8::7`) or a CIDR (`203.0.113.0/24`), inside what the VM’s policy allows. `*` (any source) only where the policy allows any.',
      options.myIpLink
        ? '*Your address*: type `me` as the source (or leave it empty in the form) and I give you a *Use my IP* link that records the address your browser connects from.'
        : '*Your address*: type it. `me` cannot work here: it needs *Use my IP* links, which the bot’s admin has not set up (`JIT_PUBLIC_URL`).',
      '*Duration*: `90m`, `2h`, `1d`, `1h30m` or ISO 8601 like `PT3H`, up to the port’s maximum (the form shows it).',
      'The rules approve a request at once, deny it, or send it to approvers. I DM you at each step.',
    ],
  },
  list: {
    line: '`/jit list`: your pending and open requests',
    details: () => ['`/jit list`: your pending and active requests, each with its ID, VM, ports, source and state.'],
  },
  vms: {
    line: '`/jit vms [name or glob]`: VMs and their ports',
    details: () => [
      '`/jit vms [name or glob]`: every VM: configured (ports, recent access, open grants), not configured, unsupported (and why).',
      'Example: `/jit vms web-*` lists only the VMs whose name starts with web-. The bot’s Home tab shows the same.',
    ],
  },
  cancel: {
    line: '`/jit cancel <id>`: withdraw a pending request',
    details: () => [
      '`/jit cancel <id>`: withdraw a pending request of yours, e.g. `/jit cancel k7m2qp`. The ID is in `/jit list`.',
      'A request with several VMs: the first ID withdraws every VM still waiting.',
    ],
  },
  revoke: {
    line: '`/jit revoke <id>`: close access now',
    details: () => ['`/jit revoke <id>`: close granted access now instead of at its end time, e.g. `/jit revoke k7m2qp`. The requester or an approver can.'],
  },
  extend: {
    line: '`/jit extend <id> [duration]`: more time',
    details: () => [
      '`/jit extend <id> [duration]`: more time for your open access, e.g. `/jit extend k7m2qp 30m`.',
      'Without a duration: as long again as first granted, never past the port’s maximum from the start. The *Extend* button in my DM does the same.',
    ],
  },
  explain: {
    line: '`/jit explain …`: which rule would decide',
    details: () => [
      '`/jit explain <vm> <ports> <source> <duration>`: which rule would decide such a request, and why the earlier rules did not match. Nothing is requested.',
      'Example: `/jit explain web-1 22 203.0.113.7 2h`',
    ],
  },
  breakglass: {
    line: '`/jit breakglass`: break-glass grants to review',
    details: () => ['`/jit breakglass`: break-glass grants no approver has reviewed yet. Approvers acknowledge them on the alert.'],
  },
  audit: {
    line: '`/jit audit [vm] [--days N]`: the log as CSV',
    details: () => [
      `\`/jit audit [vm] [--days N]\`: the activity log as a CSV file in your DM, by default the last ${DEFAULT_AUDIT_DAYS} days of every VM. For the audit readers the policy names.`,
      'Example: `/jit audit web-1 --days 7`',
    ],
  },
  enable: {
    line: '`/jit enable <vm>`: admins: put a VM under JIT',
    details: () => [
      '`/jit enable <vm> [linux|windows] [address]`: admins: put a VM under JIT with Azure’s defaults (Linux 22; Windows 3389, 5985, 5986; any source; 3h).',
      'Examples: `/jit enable web-3`, `/jit enable web-3 windows`; an address only for a VM no backend lists: `/jit enable build-2 linux 10.0.0.7`.',
      'It applies at once and is audited. The Home’s *Enable JIT* button does the same.',
    ],
  },
  edit: {
    line: '`/jit edit <vm>`: admins: change its ports',
    details: () => ['`/jit edit <vm>`: admins: a form to add, change or remove the VM’s ports, e.g. `/jit edit web-1`. It applies at once and is audited.'],
  },
  token: {
    line: '`/jit token create|list|revoke`: API tokens for scripts',
    details: (options) => [
      '`/jit token create [name] [for <days>]`: a token for the REST API that acts as you, e.g. `/jit token create deploy for 30d`. Shown once: copy it then. It lasts 30 days unless you say otherwise (the bot’s admin sets the most).',
      `Use it as \`curl -H "Authorization: Bearer <token>" ${options.publicUrl ?? 'https://<the bot>'}/api/v1/policy\`; \`/api/v1/openapi.json\` describes every call. A request through the API goes through the same rules and approvals, and every call is in the audit log.`,
      '`/jit token list`: your tokens (name, ID, expiry, last use); the Home tab lists them too, each with *Revoke*.',
      '`/jit token revoke <id>`: the token stops working at once. Admins can revoke anyone’s.',
    ],
  },
  help: {
    line: '`/jit help <command>`: details and examples',
    details: () => ['`/jit help`: the commands, one line each.', '`/jit help <command>`: one command in detail, e.g. `/jit help request`.'],
  },
};

/** The short list: a title and one line per command. */
export function helpText(): string {
  return ['*Just-in-time VM access*: ports open when you ask, close when time is up.', ...Object.values(HELP).map((command) => `• ${command.line}`)].join('\n');
}

/** `/jit help <command>`. */
export function commandHelpText(topic: JitVerb, options: HelpOptions): string {
  return [`*/jit ${topic}*`, ...HELP[topic].details(options).map((line) => `• ${line}`)].join('\n');
}
