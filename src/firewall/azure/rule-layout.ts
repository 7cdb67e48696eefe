// Where our rules live in an NSG: one name prefix per kind and one priority band
// per kind, both documented (README-section.md), so a person reading the NSG in
// the portal, or a reconciliation, can tell our rules from everyone else's.
// Pure: names, bands and the choice of a free priority.
//
//   jit-deny-<vm private ip>-<port>-<tcp|udp|any>    deny band  (default 3500–3999)
//   jit-allow-<request id>-<port>-<tcp|udp|any>      allow band (default 3000–3499)
//
// The whole allow band sits numerically below the whole deny band, so every
// allow rule is evaluated before every deny rule whatever priorities we pick.

import { JitError } from '../../domain/errors.js';
import type { Protocol } from '../../domain/types.js';

export const ALLOW_PREFIX = 'jit-allow-';
export const DENY_PREFIX = 'jit-deny-';

export interface PriorityBand {
  min: number;
  max: number;
}

export interface PriorityBands {
  allow: PriorityBand;
  deny: PriorityBand;
}

export const DEFAULT_BANDS: PriorityBands = {
  allow: { min: 3000, max: 3499 },
  deny: { min: 3500, max: 3999 },
};

/** NSG custom rules take priorities 100–4096 (lower number = evaluated first). */
export const NSG_MIN_PRIORITY = 100;
export const NSG_MAX_PRIORITY = 4096;
const MAX_RULE_NAME = 80;

/** A sentence saying what is wrong with `bands`, or undefined when they are usable. */
export function bandsProblem(bands: PriorityBands): string | undefined {
  for (const [kind, band] of Object.entries(bands) as [string, PriorityBand][]) {
    if (!Number.isInteger(band.min) || !Number.isInteger(band.max) || band.min > band.max) {
      return `the ${kind} priority band ${band.min}–${band.max} is not a range of whole numbers`;
    }
    if (band.min < NSG_MIN_PRIORITY || band.max > NSG_MAX_PRIORITY) {
      return `the ${kind} priority band ${band.min}–${band.max} must lie within ${NSG_MIN_PRIORITY}–${NSG_MAX_PRIORITY}`;
    }
  }
  if (bands.allow.max >= bands.deny.min) {
    return `the allow band (${bands.allow.min}–${bands.allow.max}) must end below the deny band (${bands.deny.min}–${bands.deny.max}) so every allow rule is evaluated before every deny rule`;
  }
  return undefined;
}

export type AzureProtocol = 'Tcp' | 'Udp' | '*';

export function azureProtocol(protocol: Protocol): AzureProtocol {
  return protocol === 'TCP' ? 'Tcp' : protocol === 'UDP' ? 'Udp' : '*';
}

/** Our protocol for an NSG rule's, or undefined for ones we never write (Icmp, Esp, Ah). */
export function domainProtocol(azure: string | undefined): Protocol | undefined {
  const lower = azure?.toLowerCase();
  return lower === 'tcp' ? 'TCP' : lower === 'udp' ? 'UDP' : lower === '*' ? '*' : undefined;
}

const PROTOCOL_TAG: Record<Protocol, string> = { TCP: 'tcp', UDP: 'udp', '*': 'any' };
const TAG_PROTOCOL: Record<string, Protocol> = { tcp: 'TCP', udp: 'UDP', any: '*' };

/** ARM rule names allow letters, digits, `.`, `-`, `_`; anything else (an IPv6 `:`) becomes `_`. */
function nameSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_');
}

function checkedName(name: string): string {
  if (name.length > MAX_RULE_NAME) {
    throw new JitError('jit_backend_failed', `rule name ${name} is longer than Azure's ${MAX_RULE_NAME} characters`);
  }
  return name;
}

/** `<prefix><request id>-<port>-<tcp|udp|any>`: an NSG allow rule's name, or a firewall DNAT rule's. */
export function grantRuleName(prefix: string, requestId: string, port: number, protocol: Protocol): string {
  return checkedName(`${prefix}${nameSafe(requestId)}-${port}-${PROTOCOL_TAG[protocol]}`);
}

export function allowRuleName(requestId: string, port: number, protocol: Protocol): string {
  return grantRuleName(ALLOW_PREFIX, requestId, port, protocol);
}

export function denyRuleName(address: string, port: number, protocol: Protocol): string {
  return checkedName(`${DENY_PREFIX}${nameSafe(address)}-${port}-${PROTOCOL_TAG[protocol]}`);
}

const startsWithCi = (name: string | undefined, prefix: string) => (name ?? '').toLowerCase().startsWith(prefix);

export function isAllowRuleName(name: string | undefined): boolean {
  return startsWithCi(name, ALLOW_PREFIX);
}

export function isDenyRuleName(name: string | undefined): boolean {
  return startsWithCi(name, DENY_PREFIX);
}

export interface ParsedAllowName {
  /** Lower-cased; for a hand-made name that does not follow the pattern, everything after the prefix. */
  requestId: string;
  port?: number;
  protocol?: Protocol;
}

/**
 * Reads an allow rule's name back. Any name with our prefix parses, so a rule
 * someone added by hand still has a request id that list() can report and
 * close() can match.
 */
export function parseAllowRuleName(name: string | undefined): ParsedAllowName | undefined {
  return parseGrantRuleName(ALLOW_PREFIX, name);
}

/** parseAllowRuleName for any prefix (grantRuleName's): undefined for a name without it. */
export function parseGrantRuleName(prefix: string, name: string | undefined): ParsedAllowName | undefined {
  if (!name || !startsWithCi(name, prefix)) return undefined;
  const rest = name.slice(prefix.length).toLowerCase();
  const match = rest.match(/^(.+)-(\d{1,5})-(tcp|udp|any)$/);
  if (!match) return { requestId: rest };
  return { requestId: match[1]!, port: Number(match[2]), protocol: TAG_PROTOCOL[match[3]!] };
}

/** The request id as it appears in our rule names (what parseAllowRuleName returns). */
export function requestIdInName(requestId: string): string {
  return nameSafe(requestId).toLowerCase();
}

export function inBand(priority: number | undefined, band: PriorityBand): boolean {
  return priority !== undefined && priority >= band.min && priority <= band.max;
}

/** Priorities taken by inbound rules: ARM refuses a second rule with the same priority and direction. */
export function usedInboundPriorities(rules: { priority?: number; direction?: string }[]): Set<number> {
  return new Set(rules.filter((rule) => rule.direction === 'Inbound' && rule.priority !== undefined).map((rule) => rule.priority!));
}

/** The lowest priority in `band` that no rule uses, or undefined when the band is full. */
export function lowestFreePriority(used: ReadonlySet<number>, band: PriorityBand): number | undefined {
  for (let priority = band.min; priority <= band.max; priority++) {
    if (!used.has(priority)) return priority;
  }
  return undefined;
}
