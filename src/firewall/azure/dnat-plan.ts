// What the bot's rule collection group in a firewall policy should become for
// a grant, a close, an extension or a protect. Pure: takes the policy's groups
// as ARM listed them and returns our group to PUT back, or undefined when
// nothing needs to change. Rules we do not own, and groups we do not own, pass
// through untouched.
//
//   group <JIT_AZURE_FIREWALL_RCG> at <JIT_AZURE_FIREWALL_PRIORITY>
//     NAT rule collection jit-dnat (priority 100, action DNAT)
//       jit-<request id>-<port>-<tcp|udp|any>: <source> → <public ip>:<public port> ⇒ <vm private ip>:<port>

import { JitError } from '../../domain/errors.js';
import type { Protocol, RequestedPort } from '../../domain/types.js';
import type { PortRange } from './firewall-options.js';
import { grantRuleName, parseGrantRuleName, requestIdInName } from './rule-layout.js';
import { allowIntents } from './rule-plan.js';

export const NAT_PREFIX = 'jit-';
export const NAT_COLLECTION = 'jit-dnat';
export const NAT_COLLECTION_PRIORITY = 100;
const NAT_TYPE = 'FirewallPolicyNatRuleCollection';

/** The part of a firewall policy NAT rule we read and write (the SDK's NatRule fits it). */
export interface NatRule {
  ruleType: string;
  name?: string;
  description?: string;
  ipProtocols?: string[];
  sourceAddresses?: string[];
  sourceIpGroups?: string[];
  destinationAddresses?: string[];
  destinationPorts?: string[];
  translatedAddress?: string;
  translatedPort?: string;
  translatedFqdn?: string;
}

export interface RuleCollection {
  ruleCollectionType: string;
  name?: string;
  priority?: number;
  action?: { type?: string };
  rules?: NatRule[];
}

export interface RuleCollectionGroup {
  name?: string;
  priority?: number;
  ruleCollections?: RuleCollection[];
}

/** A policy's groups: ours (undefined until created) and everyone else's. */
export interface PolicyRules {
  group?: RuleCollectionGroup;
  others: RuleCollectionGroup[];
}

export interface GroupSettings {
  /** Our group's name and priority. */
  name: string;
  priority: number;
  /** For messages: the policy's name. */
  policy: string;
}

export interface DnatSettings extends GroupSettings {
  publicIp: string;
  publicPorts: PortRange;
}

/** One DNAT rule we want to exist; its public port is chosen when it is placed. */
export interface DnatIntent {
  name: string;
  protocol: Protocol;
  port: number;
  source: string;
  /** The VM's private IP. */
  translatedAddress: string;
  description: string;
}

export function natRuleName(requestId: string, port: number, protocol: Protocol): string {
  return grantRuleName(NAT_PREFIX, requestId, port, protocol);
}

/** The request id a rule's name carries (lower-cased), or '' for a name that is not ours (a hand-made rule). */
export function natRuleRequestId(name: string | undefined): string {
  return parseGrantRuleName(NAT_PREFIX, name)?.requestId ?? '';
}

/** The grant's DNAT rules, described like its NSG allow rules. */
export function dnatIntents(
  grant: { requestId: string; ports: RequestedPort[]; source: string; vmName: string; endAt: number },
  privateIp: string,
): DnatIntent[] {
  const described = allowIntents(grant, privateIp);
  return grant.ports.map((port, i) => ({
    name: natRuleName(grant.requestId, port.number, port.protocol),
    protocol: port.protocol,
    port: port.number,
    source: grant.source,
    translatedAddress: privateIp,
    description: described[i]!.description,
  }));
}

export function ipProtocols(protocol: Protocol): string[] {
  return protocol === 'TCP' ? ['TCP'] : protocol === 'UDP' ? ['UDP'] : ['TCP', 'UDP'];
}

/** The port a grant of `port` asks for first: 22 → 50022, 3389 → 53389 with the default range. */
export function preferredPort(port: number, range: PortRange): number {
  return range.min + (port % (range.max - range.min + 1));
}

export function natRules(group: RuleCollectionGroup | undefined): NatRule[] {
  return (group?.ruleCollections ?? []).filter((c) => c.ruleCollectionType === NAT_TYPE).flatMap((c) => c.rules ?? []);
}

const sameSet = (a: string[] | undefined, b: string[]) => {
  const x = (a ?? []).map((v) => v.toUpperCase()).sort();
  const y = b.map((v) => v.toUpperCase()).sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
};

/** The public port a rule maps, when it maps exactly one on `publicIp`. */
function mappedPort(rule: NatRule, publicIp: string): number | undefined {
  if (!sameSet(rule.destinationAddresses, [publicIp]) || rule.destinationPorts?.length !== 1) return undefined;
  const text = rule.destinationPorts[0]!;
  return /^\d{1,5}$/.test(text) ? Number(text) : undefined;
}

function mapsSameTarget(rule: NatRule, intent: DnatIntent): boolean {
  return (
    rule.translatedAddress === intent.translatedAddress &&
    rule.translatedPort === String(intent.port) &&
    sameSet(rule.ipProtocols, ipProtocols(intent.protocol))
  );
}

/** Every public port some DNAT rule of the policy (any group) uses on `publicIp`, or on every address (`*`). */
function usedPorts(rules: NatRule[], publicIp: string): Set<number> {
  const used = new Set<number>();
  for (const rule of rules) {
    const addresses = rule.destinationAddresses ?? [];
    if (!addresses.includes(publicIp) && !addresses.includes('*')) continue;
    for (const text of rule.destinationPorts ?? []) {
      const [low, high = low] = text.split('-').map(Number);
      if (low === undefined || high === undefined || !Number.isInteger(low) || !Number.isInteger(high)) continue;
      for (let port = low; port <= high; port++) used.add(port);
    }
  }
  return used;
}

/**
 * The public port for `intent`: the one a rule of ours already maps to the
 * same VM port and protocol (grants of one VM port share it, their sources
 * differ), else the preferred port when no DNAT rule of the policy uses it,
 * else the lowest free one in the range.
 */
export function choosePublicPort(ours: NatRule[], all: NatRule[], intent: DnatIntent, publicIp: string, range: PortRange): number {
  for (const rule of ours) {
    const port = mappedPort(rule, publicIp);
    if (port !== undefined && mapsSameTarget(rule, intent)) return port;
  }
  const used = usedPorts(all, publicIp);
  const preferred = preferredPort(intent.port, range);
  if (!used.has(preferred)) return preferred;
  for (let port = range.min; port <= range.max; port++) if (!used.has(port)) return port;
  throw new JitError(
    'jit_backend_failed',
    `no free public port left in ${range.min}–${range.max} on ${publicIp} for ${intent.name}: close stale grants or widen JIT_AZURE_FIREWALL_PORTS`,
  );
}

function toRule(intent: DnatIntent, publicIp: string, publicPort: number): NatRule {
  return {
    ruleType: 'NatRule',
    name: intent.name,
    description: intent.description,
    ipProtocols: ipProtocols(intent.protocol),
    sourceAddresses: [intent.source],
    destinationAddresses: [publicIp],
    destinationPorts: [String(publicPort)],
    translatedAddress: intent.translatedAddress,
    translatedPort: String(intent.port),
  };
}

function matches(rule: NatRule, intent: DnatIntent, publicIp: string): boolean {
  return (
    rule.ruleType === 'NatRule' &&
    mappedPort(rule, publicIp) !== undefined &&
    mapsSameTarget(rule, intent) &&
    sameSet(rule.sourceAddresses, [intent.source]) &&
    !rule.sourceIpGroups?.length &&
    (rule.description ?? '') === intent.description
  );
}

/** Throws the sentence an operator needs when another group of the policy holds our priority. */
function checkPriority(rules: PolicyRules, settings: GroupSettings): void {
  const taken = rules.others.find((group) => group.priority === settings.priority);
  if (taken) {
    throw new JitError(
      'jit_backend_failed',
      `rule collection group ${taken.name} of firewall policy ${settings.policy} already has priority ${settings.priority}, and priorities are unique ` +
        `within a policy: set JIT_AZURE_FIREWALL_PRIORITY to one no group of the policy uses`,
    );
  }
}

/** Our group, created (empty) when missing, at our priority; undefined when it already is. */
export function ensureGroup(rules: PolicyRules, settings: GroupSettings): PolicyRules | undefined {
  checkPriority(rules, settings);
  if (rules.group && rules.group.priority === settings.priority) return undefined;
  return { ...rules, group: { ...rules.group, name: settings.name, priority: settings.priority, ruleCollections: rules.group?.ruleCollections ?? [] } };
}

/**
 * Our group with `keep` applied to every rule of its NAT collections and
 * `add` appended to ours (jit-dnat, created when needed, dropped when empty).
 */
function rewrite(rules: PolicyRules, settings: GroupSettings, keep: (rule: NatRule) => boolean, add: NatRule[]): PolicyRules {
  const collections = (rules.group?.ruleCollections ?? []).map((c) => (c.ruleCollectionType === NAT_TYPE ? { ...c, rules: (c.rules ?? []).filter(keep) } : c));
  let ours = collections.find((c) => c.ruleCollectionType === NAT_TYPE && c.name?.toLowerCase() === NAT_COLLECTION);
  if (!ours && add.length > 0) {
    ours = { ruleCollectionType: NAT_TYPE, name: NAT_COLLECTION, priority: NAT_COLLECTION_PRIORITY, action: { type: 'DNAT' }, rules: [] };
    collections.push(ours);
  }
  if (ours) ours.rules = [...(ours.rules ?? []), ...add];
  const kept = collections.filter((c) => c !== ours || (c.rules ?? []).length > 0);
  return { ...rules, group: { ...rules.group, name: settings.name, priority: settings.priority, ruleCollections: kept } };
}

/**
 * Makes every intent present: a rule already there and equal in effect is kept
 * (with its public port); one named like an intent but different is replaced.
 * Returns undefined when nothing changes.
 */
export function openDnat(rules: PolicyRules, intents: DnatIntent[], settings: DnatSettings): PolicyRules | undefined {
  const present = natRules(rules.group);
  const wanted = intents.filter(
    (intent) => !present.some((rule) => rule.name?.toLowerCase() === intent.name.toLowerCase() && matches(rule, intent, settings.publicIp)),
  );
  if (wanted.length === 0) return undefined;
  checkPriority(rules, settings);
  const replaced = new Set(wanted.map((intent) => intent.name.toLowerCase()));
  const keep = (rule: NatRule) => !replaced.has((rule.name ?? '').toLowerCase());
  let ours = present.filter(keep);
  let all = [...ours, ...rules.others.flatMap(natRules)];
  const added: NatRule[] = [];
  for (const intent of wanted) {
    // A rule rewritten in place (an extension's new end) keeps its public port:
    // the requester was told it, and may connect again while the grant lasts.
    const previous = present.filter((rule) => rule.name?.toLowerCase() === intent.name.toLowerCase());
    const rule = toRule(intent, settings.publicIp, choosePublicPort([...previous, ...ours], all, intent, settings.publicIp, settings.publicPorts));
    added.push(rule);
    ours = [...ours, rule];
    all = [...all, rule];
  }
  return rewrite(rules, settings, keep, added);
}

/** Drops every DNAT rule of the request in our group (whatever its ports). */
export function removeDnat(rules: PolicyRules, requestId: string, settings: GroupSettings): PolicyRules | undefined {
  const id = requestIdInName(requestId);
  const mine = (rule: NatRule) => natRuleRequestId(rule.name) === id;
  if (!natRules(rules.group).some(mine)) return undefined;
  return rewrite(rules, settings, (rule) => !mine(rule), []);
}

/**
 * The grant's DNAT rules with their descriptions rewritten for the new end,
 * each keeping its public port. Throws when one is missing: extending never
 * opens, so a grant closed meanwhile stays closed.
 */
export function extendDnat(rules: PolicyRules, intents: DnatIntent[], settings: DnatSettings): PolicyRules | undefined {
  const present = natRules(rules.group);
  const missing = intents.filter((intent) => !present.some((rule) => rule.name?.toLowerCase() === intent.name.toLowerCase()));
  if (missing.length > 0) {
    throw new JitError(
      'jit_backend_failed',
      `${missing.map((intent) => intent.name).join(', ')} not found in rule collection group ${settings.name}: the grant is not open, so there is nothing to extend`,
    );
  }
  return openDnat(rules, intents, settings);
}

/** The public port each intent is mapped to in our group, in the intents' order (undefined where none is). */
export function publicPortsOf(group: RuleCollectionGroup | undefined, intents: DnatIntent[], publicIp: string): (number | undefined)[] {
  const present = natRules(group);
  return intents.map((intent) => {
    const rule = present.find((r) => r.name?.toLowerCase() === intent.name.toLowerCase());
    return rule ? mappedPort(rule, publicIp) : undefined;
  });
}
