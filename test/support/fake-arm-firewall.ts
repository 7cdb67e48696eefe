// Azure Firewall, its public IP, its firewall policy and the policy's rule
// collection groups, served as a provider of the fake ARM (fake-arm.ts), with
// ARM's rules: ETags and If-Match (412), one priority per group within a
// policy, NAT rule validation (required fields, one public port per protocol
// and public IP mapped to one destination, unique names), writes as
// long-running operations, and 409 AnotherOperationInProgress while a write to
// the same policy has not been polled to the end. Also the classic VM list
// (Microsoft.ClassicCompute), which answers only for subscriptions that have
// registered that provider.

import { throwIt } from './fake-arm-http.js';
import { firewallToWire, groupToWire, policyToWire, publicIpToWire } from './fake-arm-wire.js';
import { ArmError, checkIfMatch, FAKE_SUBSCRIPTION, type FakeArmWorld, newEtag, notFound, rgId } from './fake-arm-world.js';
import type { FakeArmAnswer, FakeArmCall, FakeArmProvider } from './fake-arm.js';

type Json = Record<string, unknown>;

export interface FakeNatRule {
  ruleType?: string;
  name?: string;
  description?: string;
  ipProtocols?: string[];
  sourceAddresses?: string[];
  destinationAddresses?: string[];
  destinationPorts?: string[];
  translatedAddress?: string;
  translatedPort?: string;
}

export interface FakeCollection {
  ruleCollectionType: string;
  name?: string;
  priority?: number;
  action?: { type?: string };
  rules?: FakeNatRule[];
}

export interface FakeGroup {
  name: string;
  priority: number;
  etag: string;
  provisioningState: 'Succeeded' | 'Updating' | 'Failed';
  ruleCollections: FakeCollection[];
}

export interface FakePolicy {
  id: string;
  name: string;
  location: string;
  groups: FakeGroup[];
  /** Writes ARM accepted whose operation has not been polled to the end. */
  unfinished: number;
}

export interface FakeFirewall {
  id: string;
  name: string;
  location: string;
  policyId?: string;
  publicIpId?: string;
  hubId?: string;
  /** The AzureFirewallSubnet its ipconfig sits in (in the world, so ARM serves it); none in a virtual hub. */
  subnetId?: string;
}

export interface AddFirewallOptions {
  name: string;
  subscriptionId?: string;
  resourceGroup?: string;
  /** Default 20.50.0.<n>. */
  publicIp?: string;
  /** In a secured virtual hub, managed by Azure Firewall Manager. */
  inVirtualHub?: boolean;
  /** Classic rules: no firewall policy. */
  withoutPolicy?: boolean;
  /** The AzureFirewallSubnet's prefix, where DNAT'd traffic comes from; default 10.0.100.0/26. */
  subnetPrefix?: string;
}

export interface AddedFirewall {
  firewallId: string;
  policyId: string;
  publicIp: string;
}

const key = (id: string) => id.toLowerCase();
const RG = '^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.Network/';
const ROUTES = {
  firewall: new RegExp(`${RG}azureFirewalls/([^/]+)$`, 'i'),
  publicIp: new RegExp(`${RG}publicIPAddresses/([^/]+)$`, 'i'),
  policy: new RegExp(`${RG}firewallPolicies/([^/]+)$`, 'i'),
  groups: new RegExp(`${RG}firewallPolicies/([^/]+)/ruleCollectionGroups$`, 'i'),
  group: new RegExp(`${RG}firewallPolicies/([^/]+)/ruleCollectionGroups/([^/]+)$`, 'i'),
  classic: /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.ClassicCompute\/virtualMachines$/i,
};

export class FakeArmFirewall implements FakeArmProvider {
  /** `world` serves the firewall's subnet (Network's subnets route is the world's). */
  constructor(private readonly world: FakeArmWorld) {}

  private readonly firewalls = new Map<string, FakeFirewall>();
  private readonly publicIps = new Map<string, { id: string; name: string; address: string }>();
  private readonly policies = new Map<string, FakePolicy>();
  private readonly classic = new Map<string, { id: string; name: string }[]>();

  addFirewall(options: AddFirewallOptions): AddedFirewall {
    const base = `${rgId(options.subscriptionId ?? FAKE_SUBSCRIPTION, options.resourceGroup ?? 'rg-hub')}/providers/Microsoft.Network`;
    const firewallId = `${base}/azureFirewalls/${options.name}`;
    const policyId = `${base}/firewallPolicies/${options.name}-policy`;
    const publicIpId = `${base}/publicIPAddresses/${options.name}-pip`;
    const publicIp = options.publicIp ?? `20.50.0.${this.firewalls.size + 1}`;
    const subnetId = `${base}/virtualNetworks/${options.name}-vnet/subnets/AzureFirewallSubnet`;
    if (!options.inVirtualHub) this.world.addSubnet(subnetId, options.subnetPrefix ?? '10.0.100.0/26');
    this.publicIps.set(key(publicIpId), { id: publicIpId, name: `${options.name}-pip`, address: publicIp });
    if (!options.withoutPolicy)
      this.policies.set(key(policyId), { id: policyId, name: `${options.name}-policy`, location: 'westeurope', groups: [], unfinished: 0 });
    this.firewalls.set(key(firewallId), {
      id: firewallId,
      name: options.name,
      location: 'westeurope',
      ...(options.withoutPolicy ? {} : { policyId }),
      ...(options.inVirtualHub ? { hubId: `${base}/virtualHubs/hub-1` } : { publicIpId, subnetId }),
    });
    return { firewallId, policyId, publicIp };
  }

  /** A classic VM; its subscription then answers the classic list (it has registered Microsoft.ClassicCompute). */
  addClassicVm(subscriptionId: string, name: string): string {
    const id = `/subscriptions/${subscriptionId}/resourceGroups/classic-rg/providers/Microsoft.ClassicCompute/virtualMachines/${name}`;
    this.classic.set(key(subscriptionId), [...(this.classic.get(key(subscriptionId)) ?? []), { id, name }]);
    return id;
  }

  /** A group made by hand (portal, another tool), bypassing If-Match but not the policy's rules. */
  addGroupByHand(policyId: string, name: string, priority: number, rules: FakeNatRule[] = []): void {
    const policy = this.requirePolicy(policyId);
    const collections: FakeCollection[] = rules.length
      ? [{ ruleCollectionType: 'FirewallPolicyNatRuleCollection', name: 'hand-dnat', priority: 200, action: { type: 'DNAT' }, rules }]
      : [];
    this.store(policy, name, { properties: { priority, ruleCollections: collections } }, undefined).provisioningState = 'Succeeded';
    policy.unfinished -= 1;
  }

  /** A DNAT rule added by hand to an existing group (its NAT collection, made when missing). */
  addDnatRuleByHand(policyId: string, groupName: string, rule: FakeNatRule): void {
    const policy = this.requirePolicy(policyId);
    const group = this.group(policy, groupName);
    if (!group) throw notFound('Microsoft.Network/firewallPolicies/ruleCollectionGroups', `${policyId}/ruleCollectionGroups/${groupName}`);
    const collections = structuredClone(group.ruleCollections);
    let nat = collections.find((c) => c.ruleCollectionType === 'FirewallPolicyNatRuleCollection');
    if (!nat)
      collections.push(
        (nat = { ruleCollectionType: 'FirewallPolicyNatRuleCollection', name: 'hand-dnat', priority: 300, action: { type: 'DNAT' }, rules: [] }),
      );
    nat.rules = [...(nat.rules ?? []), { ruleType: 'NatRule', ...rule }];
    this.store(policy, groupName, { properties: { priority: group.priority, ruleCollections: collections } }, group).provisioningState = 'Succeeded';
    policy.unfinished -= 1;
  }

  /** Every NAT rule of the policy's group (a copy), or of all its groups. */
  natRules(policyId: string, groupName?: string): FakeNatRule[] {
    const policy = this.requirePolicy(policyId);
    const groups = groupName === undefined ? policy.groups : policy.groups.filter((g) => key(g.name) === key(groupName));
    return structuredClone(groups.flatMap((g) => g.ruleCollections.flatMap((c) => c.rules ?? [])));
  }

  /** The policy's groups (a copy): name, priority, collections. */
  groups(policyId: string): FakeGroup[] {
    return structuredClone(this.requirePolicy(policyId).groups);
  }

  route(call: FakeArmCall): FakeArmAnswer | undefined {
    const { method, path } = call;
    const ok = (payload: unknown): FakeArmAnswer => ({ status: 200, payload, headers: {} });
    let m: RegExpMatchArray | null;
    if (method === 'GET' && (m = path.match(ROUTES.classic))) {
      const vms = this.classic.get(key(m[1]!));
      if (!vms) return undefined;
      return call.page(vms.map((vm) => ({ id: vm.id, name: vm.name, type: 'Microsoft.ClassicCompute/virtualMachines', properties: {} })));
    }
    if (method === 'GET' && path.match(ROUTES.firewall))
      return ok(firewallToWire(this.firewalls.get(key(path)) ?? throwIt(notFound('Microsoft.Network/azureFirewalls', path))));
    if (method === 'GET' && path.match(ROUTES.publicIp))
      return ok(publicIpToWire(this.publicIps.get(key(path)) ?? throwIt(notFound('Microsoft.Network/publicIPAddresses', path))));
    if (method === 'GET' && path.match(ROUTES.policy)) return ok(policyToWire(this.requirePolicy(path)));
    if (method === 'GET' && path.match(ROUTES.groups)) {
      const policy = this.requirePolicy(path.replace(/\/ruleCollectionGroups$/i, ''));
      return call.page(policy.groups.map((g) => groupToWire(policy, g)));
    }
    if ((m = path.match(ROUTES.group))) {
      const policy = this.requirePolicy(path.replace(/\/ruleCollectionGroups\/[^/]+$/i, ''));
      const name = m[4]!;
      const existing = this.group(policy, name);
      if (method === 'GET')
        return ok(existing ? groupToWire(policy, existing) : throwIt(notFound('Microsoft.Network/firewallPolicies/ruleCollectionGroups', path)));
      if (method === 'PUT' || method === 'DELETE') {
        this.checkNotBusy(policy);
        if (method === 'DELETE' && !existing) return { status: 204, headers: {} };
        checkIfMatch(call.record.ifMatch, existing?.etag, path);
        const finish = this.finisher(policy, name);
        if (method === 'DELETE') {
          policy.groups = policy.groups.filter((g) => g !== existing);
          policy.unfinished += 1;
          return call.accepted(202, undefined, m[1]!, policy.location, () => (policy.unfinished -= 1));
        }
        const group = this.store(policy, name, call.body, existing);
        return call.accepted(existing ? 200 : 201, groupToWire(policy, group), m[1]!, policy.location, finish);
      }
    }
    return undefined;
  }

  etagOf(path: string): string | undefined {
    const m = path.match(ROUTES.group);
    if (!m) return undefined;
    const policy = this.policies.get(key(path.replace(/\/ruleCollectionGroups\/[^/]+$/i, '')));
    return policy && this.group(policy, m[4]!)?.etag;
  }

  private group(policy: FakePolicy, name: string): FakeGroup | undefined {
    return policy.groups.find((g) => key(g.name) === key(name));
  }

  private requirePolicy(id: string): FakePolicy {
    return this.policies.get(key(id)) ?? throwIt(notFound('Microsoft.Network/firewallPolicies', id));
  }

  private checkNotBusy(policy: FakePolicy): void {
    if (policy.unfinished > 0) {
      throw new ArmError(
        409,
        'AnotherOperationInProgress',
        `Another operation on this or dependent resource is in progress. To retry later, see aka.ms/arm-retry. Resource: ${policy.id}.`,
      );
    }
  }

  private finisher(policy: FakePolicy, name: string): (ok: boolean) => void {
    return (ok) => {
      policy.unfinished -= 1;
      const group = this.group(policy, name);
      if (group) group.provisioningState = ok ? 'Succeeded' : 'Failed';
    };
  }

  /** Validates a group PUT against the policy's rules and stores it, as an unfinished write. */
  private store(policy: FakePolicy, name: string, body: Json, existing: FakeGroup | undefined): FakeGroup {
    const properties = (body.properties ?? {}) as Json;
    const priority = properties.priority;
    if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 100 || priority > 65000) {
      throw new ArmError(
        400,
        'FirewallPolicyRuleCollectionGroupInvalidPriority',
        `Rule Collection Group ${name} has invalid priority ${String(priority)}: allowed 100-65000.`,
      );
    }
    const taken = policy.groups.find((g) => g !== existing && g.priority === priority);
    if (taken) {
      throw new ArmError(
        400,
        'FirewallPolicyRuleCollectionGroupPriorityNotUnique',
        `Rule Collection Group ${name} has the same priority ${priority} as Rule Collection Group ${taken.name} in Firewall Policy ${policy.name}. Priorities must be unique.`,
      );
    }
    const collections = ((properties.ruleCollections ?? []) as FakeCollection[]).map((c) => validateCollection(c));
    const others = policy.groups.filter((g) => g !== existing).flatMap((g) => g.ruleCollections.flatMap((c) => c.rules ?? []));
    checkDestinations([...others, ...collections.flatMap((c) => c.rules ?? [])]);
    const group: FakeGroup = { name: existing?.name ?? name, priority, etag: newEtag(), provisioningState: 'Updating', ruleCollections: collections };
    policy.groups = existing ? policy.groups.map((g) => (g === existing ? group : g)) : [...policy.groups, group];
    policy.unfinished += 1;
    return group;
  }
}

const invalidRule = (name: string | undefined, why: string) =>
  new ArmError(400, 'FirewallPolicyNatRuleInvalid', `NAT rule ${name ?? '(no name)'} is invalid: ${why}.`);

function validateCollection(raw: FakeCollection): FakeCollection {
  if (raw.ruleCollectionType !== 'FirewallPolicyNatRuleCollection' && raw.ruleCollectionType !== 'FirewallPolicyFilterRuleCollection') {
    throw new ArmError(400, 'InvalidRuleCollectionType', `Rule collection ${raw.name} has invalid type ${String(raw.ruleCollectionType)}.`);
  }
  if (raw.ruleCollectionType !== 'FirewallPolicyNatRuleCollection') return raw;
  if (raw.action?.type?.toUpperCase() !== 'DNAT')
    throw new ArmError(400, 'FirewallPolicyNatRuleCollectionInvalidAction', `NAT rule collection ${raw.name} must have action DNAT.`);
  const names = new Set<string>();
  for (const rule of raw.rules ?? []) {
    if (rule.ruleType !== 'NatRule') throw invalidRule(rule.name, `a NAT rule collection holds only NatRule rules, not ${String(rule.ruleType)}`);
    if (!rule.name) throw invalidRule(rule.name, 'name is required');
    if (names.has(key(rule.name)))
      throw new ArmError(400, 'FirewallPolicyRuleNameNotUnique', `Rule name ${rule.name} appears more than once in rule collection ${raw.name}.`);
    names.add(key(rule.name));
    if (!rule.ipProtocols?.length || rule.ipProtocols.some((p) => !['TCP', 'UDP'].includes(p.toUpperCase())))
      throw invalidRule(rule.name, 'ipProtocols must be TCP and/or UDP');
    if (!rule.sourceAddresses?.length) throw invalidRule(rule.name, 'sourceAddresses is required');
    if (rule.destinationAddresses?.length !== 1) throw invalidRule(rule.name, 'exactly one destination address (the firewall public IP) is required');
    if (rule.destinationPorts?.length !== 1 || !/^\d{1,5}$/.test(rule.destinationPorts[0]!))
      throw invalidRule(rule.name, 'exactly one destination port is required');
    if (!rule.translatedAddress || !/^\d{1,5}$/.test(rule.translatedPort ?? ''))
      throw invalidRule(rule.name, 'translatedAddress and translatedPort are required');
  }
  return raw;
}

/** One public IP, port and protocol leads to one destination: Azure refuses a second DNAT target for it. */
function checkDestinations(rules: FakeNatRule[]): void {
  const targets = new Map<string, { rule: string; target: string }>();
  for (const rule of rules) {
    if (rule.ruleType !== 'NatRule') continue;
    const target = `${rule.translatedAddress}:${rule.translatedPort}`;
    for (const protocol of rule.ipProtocols ?? []) {
      const slot = `${rule.destinationAddresses?.[0]}:${rule.destinationPorts?.[0]}/${protocol.toUpperCase()}`;
      const seen = targets.get(slot);
      if (seen && seen.target !== target) {
        throw new ArmError(
          400,
          'FirewallPolicyNatRuleDuplicateDestination',
          `NAT rules ${seen.rule} and ${rule.name} both translate ${slot} but to different destinations (${seen.target}, ${target}).`,
        );
      }
      targets.set(slot, { rule: rule.name ?? '', target });
    }
  }
}
