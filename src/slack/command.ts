// The `/jit` grammar (a contract: DESIGN.md). Pure: text in, command out.

import { parseDuration } from '../domain/duration.js';
import { normaliseRequestId } from '../domain/ids.js';
import { closestKey } from '../domain/policy/problems.js';
import { auditCommand } from './audit-command.js';
import { JIT_VERBS, type JitCommand, type JitVerb } from './jit-command.js';

export const MAX_COMMAND_TEXT = 2000;

export type { JitCommand };

const USAGE_REQUEST =
  '`/jit request <vm>[,<vm>…] <ports> <source> <duration> [justification…]`, e.g. `/jit request web-1 22 203.0.113.7 2h deploy hotfix` (several VMs: `web-1,db-1 22,5432`), or `/jit request` alone for a form';

export function parseJitCommand(text: string): JitCommand {
  // A repeated `text` form field arrives as an array, whatever Bolt's types say.
  if (typeof text !== 'string')
    return { kind: 'invalid', message: 'That command arrived malformed (its text is not one piece of text), so nothing was done. Type it again.' };
  if (text.length > MAX_COMMAND_TEXT) {
    return { kind: 'invalid', message: `That command is ${text.length} characters long; the limit is ${MAX_COMMAND_TEXT}. Shorten the justification.` };
  }
  const words = text.trim().split(/\s+/).filter(Boolean);
  const [verb = 'help', ...args] = words;
  switch (verb.toLowerCase()) {
    case 'help':
      return helpCommand(args);
    case 'list':
      return args.length === 0 ? { kind: 'list' } : { kind: 'invalid', message: '`/jit list` takes no arguments: type `/jit list` alone.' };
    case 'cancel':
    case 'revoke':
      return idCommand(verb.toLowerCase() as 'cancel' | 'revoke', args);
    case 'request':
      return requestCommand(text, args);
    case 'breakglass':
      return args.length === 0 ? { kind: 'breakglass' } : { kind: 'invalid', message: '`/jit breakglass` takes no arguments: type `/jit breakglass` alone.' };
    case 'explain': {
      if (args.length !== 4) {
        return {
          kind: 'invalid',
          message:
            'Usage: `/jit explain <vm> <ports> <source> <duration>`, e.g. `/jit explain web-1 22 203.0.113.7 2h`: shows which rule would decide, without requesting anything.',
        };
      }
      const [vm, ports, source, duration] = args as [string, string, string, string];
      return { kind: 'explain', vm, ports, source, duration };
    }
    case 'extend':
      return extendCommand(args);
    case 'vms':
      return vmsCommand(args);
    case 'audit':
      return auditCommand(args);
    case 'enable':
      return enableCommand(args);
    case 'edit':
      return args.length === 1 && args[0]!.length <= 2000
        ? { kind: 'edit', vm: args[0]! }
        : { kind: 'invalid', message: 'Usage: `/jit edit <vm>`, e.g. `/jit edit web-1`: opens a form with the VM’s ports (admins only).' };
    case 'token':
      return tokenCommand(args);
    default:
      return { kind: 'invalid', message: notACommand(verb, '') };
  }
}

/** `/jit help` alone: the short list; `/jit help request` (or `/jit help /jit request`): that command in detail. */
function helpCommand(args: string[]): JitCommand {
  const words = args[0]?.replace(/^\//, '').toLowerCase() === 'jit' ? args.slice(1) : args;
  if (words.length === 0) return { kind: 'help' };
  const [word = ''] = words;
  const topic = asVerb(word.replace(/^\//, ''));
  if (words.length > 1 || topic === undefined) {
    return { kind: 'invalid', message: words.length > 1 ? 'Usage: `/jit help [command]`, e.g. `/jit help request`.' : notACommand(word, 'help ') };
  }
  return { kind: 'help', topic };
}

function asVerb(word: string): JitVerb | undefined {
  return JIT_VERBS.find((verb) => verb === word.toLowerCase());
}

/**
 * "`reqest` is not a /jit command. Did you mean `/jit request`?": the nearest
 * command (a typo or a unique start of one), or the way to the list.
 */
function notACommand(word: string, prefix: string): string {
  // A backtick would end the code span the word is shown in.
  const shown = `\`${word.slice(0, 40).replaceAll('`', "'")}\``;
  const guess = nearestVerb(word);
  return guess === undefined
    ? `${shown} is not a /jit command: \`/jit help\` lists them.`
    : `${shown} is not a /jit command. Did you mean \`/jit ${prefix}${guess}\`?`;
}

/** The command a mistyped word most likely meant: one it uniquely starts (`req`), else one a typo away (`reqest`). */
function nearestVerb(word: string): JitVerb | undefined {
  const lower = word.toLowerCase();
  const started = lower.length >= 2 ? JIT_VERBS.filter((verb) => verb.startsWith(lower)) : [];
  if (started.length === 1) return started[0];
  return closestKey(lower, JIT_VERBS) as JitVerb | undefined;
}

function idCommand(kind: 'cancel' | 'revoke', args: string[]): JitCommand {
  if (args.length !== 1)
    return { kind: 'invalid', message: `Usage: \`/jit ${kind} <id>\`, with the request ID from \`/jit list\` (six characters, like \`k7m2qp\`).` };
  const id = normaliseRequestId(args[0] ?? '');
  if (!id)
    return { kind: 'invalid', message: `\`${(args[0] ?? '').slice(0, 40)}\` is not a request ID: IDs are six characters like \`k7m2qp\` (see \`/jit list\`).` };
  return { kind, id };
}

function extendCommand(args: string[]): JitCommand {
  if (args.length < 1 || args.length > 2) {
    return {
      kind: 'invalid',
      message: 'Usage: `/jit extend <id> [duration]`, e.g. `/jit extend k7m2qp 30m`; without a duration, as long again as first granted.',
    };
  }
  const [typed = '', duration] = args;
  const id = normaliseRequestId(typed);
  if (!id) return { kind: 'invalid', message: `\`${typed.slice(0, 40)}\` is not a request ID: IDs are six characters like \`k7m2qp\` (see \`/jit list\`).` };
  return duration === undefined ? { kind: 'extend', id } : { kind: 'extend', id, duration };
}

function vmsCommand(args: string[]): JitCommand {
  if (args.length === 0) return { kind: 'vms' };
  const [filter = ''] = args;
  if (args.length > 1 || !/^[A-Za-z0-9._*?-]{1,64}$/.test(filter)) {
    return {
      kind: 'invalid',
      message: 'Usage: `/jit vms [name or glob]`, e.g. `/jit vms` for every VM or `/jit vms web-*` for those whose name starts with web-.',
    };
  }
  return { kind: 'vms', filter };
}

const USAGE_ENABLE =
  'Usage: `/jit enable <vm> [linux|windows] [address]`, e.g. `/jit enable web-3` or `/jit enable web-3 windows`; an address only for a VM no backend lists (`/jit enable build-2 linux 10.0.0.7`). Admins only.';

function enableCommand(args: string[]): JitCommand {
  const [vm, ...rest] = args;
  if (vm === undefined || rest.length > 2 || vm.length > 2000) return { kind: 'invalid', message: USAGE_ENABLE };
  let os: 'linux' | 'windows' | undefined;
  let address: string | undefined;
  for (const word of rest) {
    const lower = word.toLowerCase();
    if ((lower === 'linux' || lower === 'windows') && os === undefined) os = lower;
    else if (address === undefined && lower !== 'linux' && lower !== 'windows') address = word;
    else return { kind: 'invalid', message: USAGE_ENABLE };
  }
  return { kind: 'enable', vm, ...(os ? { os } : {}), ...(address ? { address } : {}) };
}

function requestCommand(text: string, args: string[]): JitCommand {
  if (args.length === 0) return { kind: 'request_modal' };
  if (args.length < 4) return { kind: 'invalid', message: `A request needs a VM, ports, a source and a duration: ${USAGE_REQUEST}.` };
  const [vm, ports, source, duration] = args as [string, string, string, string];
  // Keep the justification as typed (inner spacing included): it is evidence.
  const justification = text
    .trim()
    .replace(/^\S+\s+\S+\s+\S+\s+\S+\s+\S+\s*/, '')
    .trim();
  return { kind: 'request', vm, ports, source, duration, justification };
}

export const USAGE_TOKEN =
  'Usage: `/jit token create [name] [for <days>]` (e.g. `/jit token create deploy for 30d`), `/jit token list`, or `/jit token revoke <id>`: API tokens for scripts (`/jit help token`).';

/** `/jit token create [name…] [for <duration>]`, `/jit token list` (also `/jit token` alone), `/jit token revoke <id>`. */
function tokenCommand(args: string[]): JitCommand {
  const [sub = 'list', ...rest] = args;
  switch (sub.toLowerCase()) {
    case 'list':
      return rest.length === 0 ? { kind: 'token_list' } : { kind: 'invalid', message: USAGE_TOKEN };
    case 'revoke':
      return rest.length === 1 ? { kind: 'token_revoke', id: rest[0]! } : { kind: 'invalid', message: USAGE_TOKEN };
    case 'create': {
      const forAt = rest.length >= 2 && rest.at(-2)!.toLowerCase() === 'for' ? rest.length - 2 : -1;
      const name = (forAt === -1 ? rest : rest.slice(0, forAt)).join(' ');
      if (forAt === -1) return { kind: 'token_create', name };
      const lifetime = parseDuration(rest.at(-1)!);
      if (!lifetime.ok) return { kind: 'invalid', message: `\`${rest.at(-1)!.slice(0, 20)}\` is not a lifetime: ${lifetime.error} (e.g. \`for 30d\`).` };
      return { kind: 'token_create', name, lifetimeSeconds: lifetime.seconds };
    }
    default:
      return { kind: 'invalid', message: USAGE_TOKEN };
  }
}
