// The zod schemas for one VM, one port and the approver list (rules: rule-schema.ts). Each
// field checks and normalises itself, so zod reports every bad field at once;
// checks that span fields or elements live in checks.ts, because zod skips an
// object's own refinements as soon as one of its fields is wrong.

import * as z from 'zod';
import { parseCidr } from '../cidr.js';
import { parseDuration, toIsoDuration } from '../duration.js';
import type { PortPolicy, Protocol, VmPolicy } from '../types.js';
import { describeValue, unknownKeyMessage } from './problems.js';

export const VM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const BACKEND_NAME = /^[a-z][a-z0-9-]{0,31}$/;
export const PRINCIPAL_ID = /^(?:[UW][A-Z0-9]{2,}|S[A-Z0-9]{2,})$/;
const HOST_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOST_NAME = new RegExp(`^(?=.{1,253}$)${HOST_LABEL}(?:\\.${HOST_LABEL})*$`);

export const VM_NAME_RULE = 'letters, digits, `.`, `_` and `-`, up to 64 characters, starting with a letter or digit';
const ISO_HINT = 'an ISO 8601 duration such as PT3H';

type ErrorFn = (issue: { input?: unknown }) => string;

/** Says what was expected and what was found, or that the key is missing. */
export function expected(what: string): ErrorFn {
  return (issue) => (issue.input === undefined ? `missing: expected ${what}` : `expected ${what}, got ${describeValue(issue.input)}`);
}

/** An object whose unknown keys are errors, reported one per key at the key's own path. */
export function closed<Shape extends z.core.$ZodLooseShape>(shape: Shape, what: string) {
  const allowed = Object.keys(shape);
  const unknownKey = z.custom<unknown>(() => false, {
    error: (issue) => unknownKeyMessage(String(issue.path?.at(-1) ?? ''), allowed),
  });
  return z.object(shape, { error: expected(what) }).catchall(unknownKey);
}

/** The last segment of an Azure resource id (`…/virtualMachines/web1` → `web1`), or the id itself. */
export function shortNameOf(id: string): string {
  return id.trim().replace(/\/+$/, '').split('/').at(-1) ?? id;
}

export const portNumber = z
  .int({ error: expected('a port number from 1 to 65535') })
  .min(1, { error: expected('a port number from 1 to 65535') })
  .max(65535, { error: expected('a port number from 1 to 65535') });

const protocol = z.string({ error: expected('TCP, UDP or *') }).transform((text, ctx): Protocol => {
  const upper = text.trim().toUpperCase();
  if (upper === 'TCP' || upper === 'UDP' || upper === '*') return upper;
  ctx.addIssue({ code: 'custom', message: `expected TCP, UDP or *, got ${describeValue(text)}` });
  return z.NEVER;
});

/** Azure's field: ISO 8601 only, so a file written for Azure stays valid for Azure. */
const isoDuration = z.string({ error: expected(ISO_HINT) }).transform((text, ctx) => {
  const result = parseDuration(text);
  if (!result.ok) {
    const garbage = /is not a duration|has no unit/.test(result.error);
    ctx.addIssue({ code: 'custom', message: garbage ? `expected ${ISO_HINT}, got ${describeValue(text)}` : result.error });
    return z.NEVER;
  }
  if (!/^\s*p/i.test(text)) {
    ctx.addIssue({ code: 'custom', message: `expected ${ISO_HINT}: write ${toIsoDuration(result.seconds)} instead of ${describeValue(text.trim())}` });
    return z.NEVER;
  }
  return result.seconds;
});

/** Our own fields take either form. */
export const anyDuration = z.string({ error: expected('a duration such as 2h or PT2H') }).transform((text, ctx) => {
  const result = parseDuration(text);
  if (result.ok) return result.seconds;
  ctx.addIssue({ code: 'custom', message: result.error });
  return z.NEVER;
});

export const cidr = z.string({ error: expected('an address prefix such as 203.0.113.0/24') }).transform((text, ctx) => {
  const result = parseCidr(text);
  if (result.ok) return result.cidr.text;
  ctx.addIssue({ code: 'custom', message: result.error });
  return z.NEVER;
});

const sourcePrefix = z.string({ error: expected('an address prefix such as 203.0.113.0/24, or * for any source') }).transform((text, ctx) => {
  if (text.trim() === '*') return '*';
  const result = parseCidr(text);
  if (result.ok) return result.cidr.text;
  ctx.addIssue({ code: 'custom', message: `${result.error}, or * for any source` });
  return z.NEVER;
});

interface Sources {
  anySource: boolean;
  prefixes: string[];
}

/** `*`, or both whole address families together, mean any source (types.ts PortPolicy). */
function toSources(entries: string[]): Sources {
  const unique = [...new Set(entries)];
  const any = unique.includes('*') || (unique.includes('0.0.0.0/0') && unique.includes('::/0'));
  return any ? { anySource: true, prefixes: [] } : { anySource: false, prefixes: unique };
}

const singleSource = sourcePrefix.transform((entry) => toSources([entry]));

const sourceList = z
  .array(sourcePrefix, { error: expected('a list of address prefixes') })
  .min(1, { error: 'an empty list lets nobody in: list at least one prefix, or use allowedSourceAddressPrefix: "*" for any source' })
  .transform((entries, ctx) => {
    const star = entries.indexOf('*');
    if (star >= 0 && entries.length > 1) {
      ctx.addIssue({ code: 'custom', path: [star], message: '`*` (any source) cannot be combined with other prefixes: use `*` alone, or list only prefixes' });
      return z.NEVER;
    }
    return toSources(entries);
  });

export const portSchema = closed(
  {
    number: portNumber,
    protocol,
    allowedSourceAddressPrefix: singleSource.optional(),
    allowedSourceAddressPrefixes: sourceList.optional(),
    maxRequestAccessDuration: isoDuration,
    minRequestAccessDuration: anyDuration.optional(),
  },
  'a port object with number, protocol, allowedSourceAddressPrefix(es) and maxRequestAccessDuration',
).transform((port): PortPolicy => {
  // Having exactly one of the two prefix keys is checked in checks.ts.
  const sources = port.allowedSourceAddressPrefix ?? port.allowedSourceAddressPrefixes ?? { anySource: false, prefixes: [] };
  return {
    number: port.number,
    protocol: port.protocol,
    anySource: sources.anySource,
    allowedSourcePrefixes: sources.prefixes,
    maxDurationSeconds: port.maxRequestAccessDuration,
    minDurationSeconds: port.minRequestAccessDuration ?? 1,
  };
});

const address = z.string({ error: expected('an IP address or DNS host name') }).transform((text, ctx) => {
  const trimmed = text.trim();
  if (!trimmed.includes('/')) {
    const ip = parseCidr(trimmed);
    if (ip.ok) return ip.cidr.text.replace(/\/\d+$/, '');
  }
  // A numeric last label is a mistyped IPv4 address (`10.0.0.300`), never a host name.
  if (HOST_NAME.test(trimmed) && !/(^|\.)\d+$/.test(trimmed)) return trimmed;
  ctx.addIssue({ code: 'custom', message: `expected an IP address or DNS host name such as 10.0.0.4 or web1.internal, got ${describeValue(text)}` });
  return z.NEVER;
});

const tagValue = z.string({
  error: (issue) =>
    typeof issue.input === 'number' || typeof issue.input === 'boolean'
      ? `tag values are strings: quote it, as in "${String(issue.input)}"`
      : expected('a string tag value')(issue),
});
export const tags = z.record(z.string(), tagValue, { error: expected('a map of tag names to string values') });

export const principal = z.string({ error: expected('a Slack user ID (U… or W…) or user-group ID (S…)') }).regex(PRINCIPAL_ID, {
  error: (issue) =>
    `expected a Slack user ID (U… or W…) or user-group ID (S…), got ${describeValue(issue.input)}: use the member ID from the person's profile, not their name`,
});

export const vmSchema = closed(
  {
    id: z
      .string({ error: expected('a VM id: an Azure resource id or a plain name') })
      .trim()
      .min(1, { error: 'the VM id is empty: give an Azure resource id or a plain name' }),
    name: z
      .string({ error: expected('a VM short name') })
      .regex(VM_NAME, { error: (issue) => `${describeValue(issue.input)} is not a valid VM name: use ${VM_NAME_RULE}` })
      .optional(),
    address: address.optional(),
    backend: z
      .string({ error: expected('a firewall backend name') })
      .regex(BACKEND_NAME, {
        error: (issue) =>
          `${describeValue(issue.input)} is not a backend name: use lower-case letters, digits and \`-\`, starting with a letter, such as nftables or azure-nsg`,
      })
      .optional(),
    tags: tags.optional(),
    // Azure fills this in on GET; it tells us nothing we act on.
    publicIpAddress: z.unknown().optional(),
    ports: z
      .array(portSchema, { error: expected('a list of ports') })
      .min(1, { error: 'a VM needs at least one port, such as {number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H}' }),
  },
  'a VM object with id and ports',
).transform(
  (vm): VmPolicy => ({
    id: vm.id,
    name: vm.name ?? shortNameOf(vm.id),
    ...(vm.address === undefined ? {} : { address: vm.address }),
    ...(vm.backend === undefined ? {} : { backend: vm.backend }),
    tags: vm.tags ?? {},
    ports: vm.ports,
  }),
);

export const approversSchema = z.array(principal, { error: expected('a list of Slack user or user-group IDs') });
