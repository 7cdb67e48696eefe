// The state behind the fake ARM server, and the rules ARM keeps about it:
// optimistic concurrency with ETags (412 on a stale If-Match), one priority per
// direction per NSG (400 SecurityRuleConflict, worded as Azure words it), rule
// validation, and writes that finish asynchronously. Resource ids and names are
// case-insensitive, as in ARM. No HTTP here: fake-arm.ts translates.

import { randomUUID } from 'node:crypto';

export const FAKE_SUBSCRIPTION = '00000000-0000-0000-0000-00000000a2c0';

/** An error the way ARM returns it: `{error:{code,message}}` with an HTTP status. */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { code: string; message: string }[] = [],
  ) {
    super(message);
  }
  body(): unknown {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

export type RuleProperties = Record<string, unknown> & { priority: number; direction: string; access: string; protocol: string };
export interface FakeRule {
  name: string;
  properties: RuleProperties;
}

export interface FakeNsg {
  id: string;
  name: string;
  location: string;
  tags: Record<string, string>;
  etag: string;
  provisioningState: 'Succeeded' | 'Updating' | 'Failed';
  rules: FakeRule[];
}

interface FakeNic {
  id: string;
  name: string;
  location: string;
  nsgId?: string;
  ipConfigurations: { name: string; privateIp: string; subnetId: string; primary: boolean }[];
}

interface FakeSubnet {
  id: string;
  name: string;
  addressPrefix: string;
  nsgId?: string;
}

interface FakeVm {
  id: string;
  name: string;
  location: string;
  nics: { id: string; primary: boolean }[];
  /** A flexible scale-set VM: NICs come from networkInterfaceConfigurations, the profile lists none. */
  scaleSetNics?: boolean;
}

export interface AddVmOptions {
  name: string;
  privateIp: string;
  subscriptionId?: string;
  resourceGroup?: string;
  location?: string;
  /** NSG on the NIC, by name in the VM's resource group; null for none. Default `<name>-nsg`. */
  nicNsg?: string | null;
  vnet?: string;
  subnet?: string;
  /** NSG on the subnet, by name; default none. */
  subnetNsg?: string | null;
  /** A flexible scale-set VM whose network profile lists no NIC, only networkInterfaceConfigurations. */
  scaleSetNics?: boolean;
}

export interface AddedVm {
  vmId: string;
  nicId: string;
  subnetId: string;
  nicNsgId?: string;
  subnetNsgId?: string;
}

const key = (id: string) => id.toLowerCase();
export const newEtag = () => `W/"${randomUUID()}"`;
const RULE_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,78}[A-Za-z0-9_])?$/;
const PROTOCOLS = ['tcp', 'udp', 'icmp', 'esp', 'ah', '*'];
const PORT_RANGE = /^(\*|\d{1,5}(-\d{1,5})?)$/;

export function rgId(subscriptionId: string, resourceGroup: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
}

export class FakeArmWorld {
  private readonly vms = new Map<string, FakeVm>();
  private readonly nics = new Map<string, FakeNic>();
  private readonly subnets = new Map<string, FakeSubnet>();
  private readonly nsgs = new Map<string, FakeNsg>();

  /** A VM with one NIC in a subnet, creating the NSGs it names (shared when names repeat). */
  addVm(options: AddVmOptions): AddedVm {
    const sub = options.subscriptionId ?? FAKE_SUBSCRIPTION;
    const rg = options.resourceGroup ?? 'rg-jit';
    const location = options.location ?? 'westeurope';
    const base = rgId(sub, rg);
    const subnetId = `${base}/providers/Microsoft.Network/virtualNetworks/${options.vnet ?? 'vnet-jit'}/subnets/${options.subnet ?? 'default'}`;
    const nicNsgName = options.nicNsg === undefined ? `${options.name}-nsg` : options.nicNsg;
    const nicNsgId = nicNsgName === null ? undefined : this.addNsg(sub, rg, nicNsgName, location).id;
    const subnetNsgId = options.subnetNsg ? this.addNsg(sub, rg, options.subnetNsg, location).id : undefined;
    const subnet = this.subnets.get(key(subnetId)) ?? { id: subnetId, name: options.subnet ?? 'default', addressPrefix: '10.0.0.0/24' };
    if (subnetNsgId) subnet.nsgId = subnetNsgId;
    this.subnets.set(key(subnetId), subnet);
    const nicId = `${base}/providers/Microsoft.Network/networkInterfaces/${options.name}-nic`;
    this.nics.set(key(nicId), {
      id: nicId,
      name: `${options.name}-nic`,
      location,
      nsgId: nicNsgId,
      ipConfigurations: [{ name: 'ipconfig1', privateIp: options.privateIp, subnetId, primary: true }],
    });
    const vmId = `${base}/providers/Microsoft.Compute/virtualMachines/${options.name}`;
    const nics = options.scaleSetNics ? [] : [{ id: nicId, primary: true }];
    this.vms.set(key(vmId), { id: vmId, name: options.name, location, nics, ...(options.scaleSetNics ? { scaleSetNics: true } : {}) });
    return { vmId, nicId, subnetId, nicNsgId, subnetNsgId };
  }

  /** A subnet with no VM in it (a hub's AzureFirewallSubnet). */
  addSubnet(id: string, addressPrefix: string): void {
    this.subnets.set(key(id), { id, name: id.split('/').at(-1)!, addressPrefix });
  }

  addNsg(subscriptionId: string, resourceGroup: string, name: string, location = 'westeurope'): FakeNsg {
    const id = `${rgId(subscriptionId, resourceGroup)}/providers/Microsoft.Network/networkSecurityGroups/${name}`;
    const existing = this.nsgs.get(key(id));
    if (existing) return existing;
    const nsg: FakeNsg = { id, name, location, tags: {}, etag: newEtag(), provisioningState: 'Succeeded', rules: [] };
    this.nsgs.set(key(id), nsg);
    return nsg;
  }

  vm(id: string): FakeVm | undefined {
    return this.vms.get(key(id));
  }
  nic(id: string): FakeNic | undefined {
    return this.nics.get(key(id));
  }
  subnet(id: string): FakeSubnet | undefined {
    return this.subnets.get(key(id));
  }
  nsg(id: string): FakeNsg | undefined {
    return this.nsgs.get(key(id));
  }

  /** Every VM, NIC or subnet of one subscription, in insertion order (ARM's list operations). */
  vmsIn(subscriptionId: string): FakeVm[] {
    return [...this.vms.values()].filter((vm) => inSubscription(vm.id, subscriptionId));
  }
  nicsIn(subscriptionId: string): FakeNic[] {
    return [...this.nics.values()].filter((nic) => inSubscription(nic.id, subscriptionId));
  }
  subnetsIn(subscriptionId: string): FakeSubnet[] {
    return [...this.subnets.values()].filter((subnet) => inSubscription(subnet.id, subscriptionId));
  }

  /** The NSG's rules as ARM stores them (a copy), for assertions. */
  rules(nsgId: string): FakeRule[] {
    return structuredClone(this.requireNsg(nsgId).rules);
  }

  /** Removes a VM (the NIC and NSG stay, as in Azure when a VM is deleted alone). */
  deleteVm(id: string): void {
    this.vms.delete(key(id));
  }

  /** PUT of a whole NSG: the rule list in the body replaces the stored one. */
  putNsg(id: string, body: Record<string, unknown>, ifMatch: string | undefined): { created: boolean; nsg: FakeNsg } {
    const existing = this.nsgs.get(key(id));
    checkIfMatch(ifMatch, existing?.etag, id);
    const properties = (body.properties ?? {}) as Record<string, unknown>;
    const rules = ((properties.securityRules ?? []) as unknown[]).map((raw) => toRule(raw));
    validateRuleSet(rules);
    const location = typeof body.location === 'string' ? body.location : existing?.location;
    if (!location) throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
    const name = id.split('/').pop()!;
    const nsg: FakeNsg = existing ?? { id, name, location, tags: {}, etag: '', provisioningState: 'Succeeded', rules: [] };
    nsg.rules = rules;
    if (body.tags && typeof body.tags === 'object') nsg.tags = body.tags as Record<string, string>;
    this.nsgs.set(key(id), nsg);
    this.touch(nsg);
    return { created: !existing, nsg };
  }

  /** PUT of one security rule inside an NSG. */
  putRule(nsgId: string, name: string, body: Record<string, unknown>, ifMatch: string | undefined): { created: boolean; rule: FakeRule } {
    const nsg = this.requireNsg(nsgId);
    const index = nsg.rules.findIndex((rule) => key(rule.name) === key(name));
    checkIfMatch(ifMatch, index >= 0 ? nsg.etag : undefined, `${nsgId}/securityRules/${name}`);
    const rule = toRule({ ...body, name });
    const next = [...nsg.rules];
    if (index >= 0) next[index] = rule;
    else next.push(rule);
    validateRuleSet(next, rule);
    nsg.rules = next;
    this.touch(nsg);
    return { created: index < 0, rule };
  }

  /** DELETE of one rule; false when it was not there (ARM answers 204 then). */
  deleteRule(nsgId: string, name: string, ifMatch: string | undefined): boolean {
    const nsg = this.requireNsg(nsgId);
    const index = nsg.rules.findIndex((rule) => key(rule.name) === key(name));
    if (index < 0) return false;
    checkIfMatch(ifMatch, nsg.etag, `${nsgId}/securityRules/${name}`);
    nsg.rules = nsg.rules.filter((_, i) => i !== index);
    this.touch(nsg);
    return true;
  }

  /** A rule added "by hand" (portal, CLI): bypasses If-Match but keeps the priority rule. */
  addRuleByHand(nsgId: string, rule: { name: string } & Partial<RuleProperties>): void {
    this.putRule(nsgId, rule.name, { properties: { sourcePortRange: '*', ...rule, name: undefined } }, undefined);
    this.requireNsg(nsgId).provisioningState = 'Succeeded';
  }

  requireNsg(id: string): FakeNsg {
    const nsg = this.nsgs.get(key(id));
    if (!nsg) throw notFound('Microsoft.Network/networkSecurityGroups', id);
    return nsg;
  }

  /** Every accepted write gives the NSG a new ETag; as in NRP, its rules carry the same one. */
  private touch(nsg: FakeNsg): void {
    nsg.etag = newEtag();
    nsg.provisioningState = 'Updating';
  }
}

function inSubscription(id: string, subscriptionId: string): boolean {
  return key(id).startsWith(`/subscriptions/${key(subscriptionId)}/`);
}

export function notFound(type: string, id: string): ArmError {
  const parts = id.split('/');
  const rg = parts[4] ?? '?';
  return new ArmError(
    404,
    'ResourceNotFound',
    `The Resource '${type}/${parts.pop()}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

export function checkIfMatch(ifMatch: string | undefined, current: string | undefined, id: string): void {
  if (ifMatch === undefined || (ifMatch === '*' && current !== undefined)) return;
  if (current === ifMatch) return;
  throw new ArmError(412, 'PreconditionFailed', 'Precondition failed.', [
    {
      code: 'PreconditionFailedEtagMismatch',
      message: `Etag provided in if-match header ${ifMatch} does not match etag ${current ?? '(none)'} of resource ${id} in NRP data store.`,
    },
  ]);
}

function toRule(raw: unknown): FakeRule {
  const source = (raw ?? {}) as Record<string, unknown>;
  const name = String(source.name ?? '');
  const given = (source.properties ?? {}) as Record<string, unknown>;
  const properties = { ...given } as RuleProperties;
  delete properties.provisioningState;
  validateRule(name, properties);
  return { name, properties: { ...properties, provisioningState: 'Succeeded' } };
}

function validateRule(name: string, p: RuleProperties): void {
  if (!RULE_NAME.test(name)) {
    throw new ArmError(
      400,
      'InvalidResourceName',
      `Resource name ${name} is invalid. The name can be up to 80 characters long. It must begin with a word character, and it must end with a word character or with '_'. The name may contain word characters or '.', '-', '_'.`,
    );
  }
  if (!Number.isInteger(p.priority) || p.priority < 100 || p.priority > 4096) {
    throw new ArmError(
      400,
      'SecurityRuleInvalidPriority',
      `Security rule ${name} has invalid Priority. Value provided: ${String(p.priority)} Allowed range 100-4096.`,
    );
  }
  if (!['Inbound', 'Outbound'].includes(p.direction))
    throw new ArmError(400, 'SecurityRuleInvalidDirection', `Security rule ${name} has invalid Direction: ${String(p.direction)}.`);
  if (!['Allow', 'Deny'].includes(p.access))
    throw new ArmError(400, 'SecurityRuleInvalidAccess', `Security rule ${name} has invalid Access: ${String(p.access)}.`);
  if (typeof p.protocol !== 'string' || !PROTOCOLS.includes(p.protocol.toLowerCase())) {
    throw new ArmError(400, 'SecurityRuleInvalidProtocol', `Security rule ${name} has invalid Protocol: ${String(p.protocol)}.`);
  }
  const ports = [p.destinationPortRange, ...((p.destinationPortRanges as unknown[]) ?? [])].filter((v) => v !== undefined);
  if (ports.length === 0 || ports.some((v) => typeof v !== 'string' || !PORT_RANGE.test(v) || v.split('-').some((n) => n !== '*' && Number(n) > 65535))) {
    throw new ArmError(
      400,
      'SecurityRuleInvalidPortRange',
      `Security rule ${name} has invalid Port range. Value provided: ${JSON.stringify(ports)}. Value should be an integer OR integer range with '-' delimiter. Valid range 0-65535.`,
    );
  }
  for (const side of ['source', 'destination']) {
    const single = p[`${side}AddressPrefix`];
    const many = p[`${side}AddressPrefixes`] as unknown[] | undefined;
    if ((typeof single !== 'string' || single === '') && !(Array.isArray(many) && many.length > 0) && !p[`${side}ApplicationSecurityGroups`]) {
      throw new ArmError(400, 'SecurityRuleParameterMissing', `Security rule ${name} has no ${side} address prefix.`);
    }
  }
}

/** One name per NSG, and one priority per direction: Azure's SecurityRuleConflict. */
function validateRuleSet(rules: FakeRule[], changed?: FakeRule): void {
  const names = new Set<string>();
  for (const rule of rules) {
    if (names.has(key(rule.name))) throw new ArmError(400, 'DuplicateResourceName', `Resource ${rule.name} appears more than once in the request.`);
    names.add(key(rule.name));
  }
  for (let i = 0; i < rules.length; i++) {
    for (let j = i + 1; j < rules.length; j++) {
      const [a, b] = [rules[i]!, rules[j]!];
      if (a.properties.priority !== b.properties.priority || a.properties.direction !== b.properties.direction) continue;
      const [existing, incoming] = changed && key(a.name) === key(changed.name) ? [b, a] : [a, b];
      throw new ArmError(
        400,
        'SecurityRuleConflict',
        `Security rule ${existing.name} conflicts with rule ${incoming.name}. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.`,
      );
    }
  }
}
