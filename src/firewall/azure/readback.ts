// Reading our allow rules back out of an NSG, and our DNAT rules out of a
// firewall policy, for list(). Pure. Every rule with
// the allow prefix is reported, however it got there (a grant, a person with the
// portal, a grant whose request row is gone), so reconciliation sees drift.

import type { OpenRule } from '../../ports/firewall.js';
import { parseCidr } from '../../domain/cidr.js';
import type { Protocol } from '../../domain/types.js';
import { type NatRule, natRuleRequestId } from './dnat-plan.js';
import { domainProtocol, parseAllowRuleName } from './rule-layout.js';
import type { NsgRule } from './rule-plan.js';

/** `*` stays `*`; an address or CIDR is normalised like grant sources are; tags (Internet, …) pass as written. */
export function normaliseSource(prefix: string | undefined): string {
  if (prefix === undefined || prefix === '' || prefix === '*') return '*';
  const parsed = parseCidr(prefix);
  return parsed.ok ? parsed.cidr.text : prefix;
}

function singlePort(range: string | undefined): number | undefined {
  return range !== undefined && /^\d{1,5}$/.test(range) ? Number(range) : undefined;
}

/**
 * The allow rules among `rules` as OpenRules. `vmNameFor` names the VM behind a
 * destination address; an address no protected VM has is reported as itself.
 */
export function openRulesIn(rules: NsgRule[], vmNameFor: (destination: string) => string | undefined): OpenRule[] {
  const open: OpenRule[] = [];
  for (const rule of rules) {
    const parsed = parseAllowRuleName(rule.name);
    if (!parsed) continue;
    const destination = rule.destinationAddressPrefix ?? rule.destinationAddressPrefixes?.join(',') ?? '*';
    open.push({
      requestId: parsed.requestId,
      vmName: vmNameFor(destination) ?? destination,
      port: singlePort(rule.destinationPortRange) ?? parsed.port ?? 0,
      protocol: domainProtocol(rule.protocol) ?? parsed.protocol ?? '*',
      source: rule.sourceAddressPrefixes?.length ? rule.sourceAddressPrefixes.map(normaliseSource).join(',') : normaliseSource(rule.sourceAddressPrefix),
    });
  }
  return open;
}

function natProtocol(protocols: string[] | undefined): Protocol {
  const set = new Set((protocols ?? []).map((p) => p.toUpperCase()));
  return set.size === 1 && set.has('TCP') ? 'TCP' : set.size === 1 && set.has('UDP') ? 'UDP' : '*';
}

/**
 * Every DNAT rule of the bot's group as an OpenRule, hand-made ones too: a
 * name that is not ours reads as no request id, which reconciliation reports
 * for a person to remove. `vmNameFor` names the VM behind a translated address.
 */
export function openDnatRulesIn(rules: NatRule[], vmNameFor: (address: string) => string | undefined): OpenRule[] {
  return rules.map((rule) => {
    const address = rule.translatedAddress ?? rule.translatedFqdn ?? '*';
    return {
      requestId: natRuleRequestId(rule.name),
      vmName: vmNameFor(address) ?? address,
      port: singlePort(rule.translatedPort) ?? 0,
      protocol: natProtocol(rule.ipProtocols),
      source: (rule.sourceAddresses?.length ? rule.sourceAddresses : (rule.sourceIpGroups ?? ['*'])).map(normaliseSource).join(','),
    };
  });
}
