// What an NSG's rule list should become for a grant, a close or a protect.
// Pure: takes the rules ARM returned (with its ETag, elsewhere) and returns the
// list to PUT back, or undefined when nothing needs to change. Rules we do not
// own pass through untouched, as the very objects ARM returned.

import { cidrTextContains, parseCidr } from '../../domain/cidr.js';
import { JitError } from '../../domain/errors.js';
import type { Protocol, RequestedPort } from '../../domain/types.js';
import {
  allowRuleName,
  azureProtocol,
  denyRuleName,
  inBand,
  isAllowRuleName,
  isDenyRuleName,
  lowestFreePriority,
  parseAllowRuleName,
  requestIdInName,
  usedInboundPriorities,
  type AzureProtocol,
  type PriorityBand,
} from './rule-layout.js';

/** The part of an ARM security rule we read and write (the SDK's SecurityRule fits it). */
export interface NsgRule {
  name?: string;
  priority?: number;
  direction?: string;
  access?: string;
  protocol?: string;
  description?: string;
  sourcePortRange?: string;
  sourcePortRanges?: string[];
  destinationPortRange?: string;
  destinationPortRanges?: string[];
  sourceAddressPrefix?: string;
  sourceAddressPrefixes?: string[];
  destinationAddressPrefix?: string;
  destinationAddressPrefixes?: string[];
}

/** One inbound rule we want to exist; its priority is chosen when it is placed. */
export interface RuleIntent {
  name: string;
  access: 'Allow' | 'Deny';
  protocol: AzureProtocol;
  port: number;
  /** `*` or a CIDR. */
  source: string;
  /** The VM's private IP. */
  destination: string;
  description: string;
}

const DESCRIPTION_LIMIT = 140;
const describe = (text: string) => text.slice(0, DESCRIPTION_LIMIT);

export function allowIntents(
  grant: { requestId: string; ports: RequestedPort[]; source: string; vmName: string; endAt: number },
  destination: string,
): RuleIntent[] {
  const until = Number.isFinite(grant.endAt) ? new Date(grant.endAt).toISOString() : 'revoked';
  return grant.ports.map((port) => ({
    name: allowRuleName(grant.requestId, port.number, port.protocol),
    access: 'Allow',
    protocol: azureProtocol(port.protocol),
    port: port.number,
    source: grant.source,
    destination,
    description: describe(`jit-access-bot grant ${grant.requestId} for ${grant.vmName} until ${until}`),
  }));
}

/** Throws when a grant cannot become rules: no port, or a source that is neither `*` nor a CIDR. */
export function checkOpenable(grant: { requestId: string; ports: RequestedPort[]; source: string }): void {
  if (grant.ports.length === 0) throw new JitError('jit_backend_failed', `request ${grant.requestId} names no port to open`);
  if (grant.source !== '*' && !parseCidr(grant.source).ok) {
    throw new JitError('jit_backend_failed', `request ${grant.requestId}: source ${grant.source} is neither * nor a CIDR`);
  }
}

export function denyIntent(port: { port: number; protocol: Protocol; vmName: string }, destination: string): RuleIntent {
  return {
    name: denyRuleName(destination, port.port, port.protocol),
    access: 'Deny',
    protocol: azureProtocol(port.protocol),
    port: port.port,
    source: '*',
    destination,
    description: describe(`jit-access-bot keeps ${port.protocol} ${port.port} on ${port.vmName} closed unless a grant allows it`),
  };
}

function sameSource(rule: NsgRule, source: string): boolean {
  if (rule.sourceAddressPrefixes?.length) return false;
  const have = rule.sourceAddressPrefix ?? '';
  if (have === source) return true;
  const a = parseCidr(have);
  const b = parseCidr(source);
  return a.ok && b.ok && a.cidr.text === b.cidr.text;
}

function matches(rule: NsgRule, intent: RuleIntent): boolean {
  return (
    rule.direction === 'Inbound' &&
    rule.access === intent.access &&
    (rule.protocol ?? '').toLowerCase() === intent.protocol.toLowerCase() &&
    rule.destinationPortRange === String(intent.port) &&
    !rule.destinationPortRanges?.length &&
    rule.destinationAddressPrefix === intent.destination &&
    !rule.destinationAddressPrefixes?.length &&
    (rule.sourcePortRange ?? '*') === '*' &&
    sameSource(rule, intent.source) &&
    (rule.description ?? '') === intent.description
  );
}

function toRule(intent: RuleIntent, priority: number): NsgRule {
  return {
    name: intent.name,
    priority,
    direction: 'Inbound',
    access: intent.access,
    protocol: intent.protocol,
    description: intent.description,
    sourcePortRange: '*',
    destinationPortRange: String(intent.port),
    sourceAddressPrefix: intent.source,
    destinationAddressPrefix: intent.destination,
  };
}

/**
 * Makes every intent present (placed at a free priority in `band`), drops the
 * rules `remove` selects, keeps everything else as it is. A rule already named
 * like an intent but different in effect is rewritten in place (same priority
 * when that is still in the band). Returns undefined when nothing changes.
 */
export function converge<R extends NsgRule>(
  rules: R[],
  intents: RuleIntent[],
  band: PriorityBand,
  remove: (rule: R) => boolean = () => false,
): (R | NsgRule)[] | undefined {
  const wanted = new Map(intents.map((intent) => [intent.name.toLowerCase(), intent]));
  const reuse = new Map<string, number>();
  const kept: (R | NsgRule)[] = [];
  let changed = false;
  for (const rule of rules) {
    const name = (rule.name ?? '').toLowerCase();
    const intent = wanted.get(name);
    if (intent && matches(rule, intent) && inBand(rule.priority, band)) {
      wanted.delete(name);
      kept.push(rule);
    } else if (intent) {
      if (inBand(rule.priority, band)) reuse.set(name, rule.priority!);
      changed = true;
    } else if (remove(rule)) {
      changed = true;
    } else {
      kept.push(rule);
    }
  }
  if (!changed && wanted.size === 0) return undefined;
  const used = usedInboundPriorities(kept);
  for (const [name, intent] of wanted) {
    const previous = reuse.get(name);
    const priority = previous !== undefined && !used.has(previous) ? previous : lowestFreePriority(used, band);
    if (priority === undefined) {
      throw new JitError(
        'jit_backend_failed',
        `no free priority left in ${band.min}–${band.max} for ${intent.name}: close stale grants (list shows every jit- rule) or widen the band`,
      );
    }
    used.add(priority);
    kept.push(toRule(intent, priority));
  }
  return kept;
}

/** Drops every allow rule of the request (whatever its ports). */
export function removeGrantRules<R extends NsgRule>(rules: R[], requestId: string, band: PriorityBand): (R | NsgRule)[] | undefined {
  const id = requestIdInName(requestId);
  return converge(rules, [], band, (rule) => parseAllowRuleName(rule.name)?.requestId === id);
}

/**
 * A grant's allow rules rewritten for its new end (the description says until
 * when; NSG rules have no expiry of their own, the bot's close removes them).
 * Each rule keeps its priority. Throws when one of them is missing: extending
 * never opens, so a grant closed meanwhile stays closed.
 */
export function extendGrantRules<R extends NsgRule>(rules: R[], intents: RuleIntent[], band: PriorityBand): (R | NsgRule)[] | undefined {
  const present = new Set(rules.map((rule) => (rule.name ?? '').toLowerCase()));
  const missing = intents.filter((intent) => !present.has(intent.name.toLowerCase()));
  if (missing.length > 0) {
    throw new JitError(
      'jit_backend_failed',
      `${missing.map((intent) => intent.name).join(', ')} not found: the grant is not open, so there is nothing to extend`,
    );
  }
  return converge(rules, intents, band);
}

/** Our deny rules converge to `intents`; with `removeStale`, ours that are not wanted go. */
export function convergeDenyRules<R extends NsgRule>(rules: R[], intents: RuleIntent[], band: PriorityBand, removeStale: boolean): (R | NsgRule)[] | undefined {
  return converge(rules, intents, band, (rule) => removeStale && isDenyRuleName(rule.name));
}

function portCovered(range: string, port: number): boolean {
  if (range === '*') return true;
  const [low, high = low] = range.split('-').map(Number);
  return low !== undefined && high !== undefined && port >= low && port <= high;
}

function destinationCovered(prefix: string, ip: string): boolean {
  if (prefix === '*' || prefix.toLowerCase() === 'virtualnetwork' || prefix === ip) return true;
  return prefix.includes('/') && cidrTextContains(prefix, ip);
}

/**
 * Names of other people's inbound Allow rules evaluated before `deny` that let
 * (some) traffic to its port through anyway: JIT cannot close the port while
 * they exist, which the operator must hear about.
 */
export function shadowingRules(rules: NsgRule[], deny: RuleIntent & { priority: number }): string[] {
  return rules
    .filter((rule) => !isAllowRuleName(rule.name) && !isDenyRuleName(rule.name))
    .filter((rule) => rule.direction === 'Inbound' && rule.access === 'Allow' && (rule.priority ?? Infinity) < deny.priority)
    .filter((rule) => rule.protocol === '*' || deny.protocol === '*' || (rule.protocol ?? '').toLowerCase() === deny.protocol.toLowerCase())
    .filter((rule) => [rule.destinationPortRange, ...(rule.destinationPortRanges ?? [])].some((range) => range !== undefined && portCovered(range, deny.port)))
    .filter((rule) =>
      [rule.destinationAddressPrefix, ...(rule.destinationAddressPrefixes ?? [])].some(
        (prefix) => prefix !== undefined && destinationCovered(prefix, deny.destination),
      ),
    )
    .map((rule) => `${rule.name ?? '?'} (priority ${rule.priority})`);
}
