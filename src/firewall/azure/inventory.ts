// What the Azure backends can see: every VM in the subscriptions their policy
// VMs live in, each with whether the backend could guard it. Four list
// calls per subscription (VMs, NICs, virtual networks with their subnets,
// classic VMs), however many VMs there are; the verdicts themselves are pure
// (networkOf, then supportOf for azure-nsg, firewall-inventory.ts for
// azure-firewall).
//
// Unsupported, as Azure's own JIT says it: no network security group where the
// backend would write (the NIC's, or with JIT_AZURE_NSG_SCOPE=subnet the
// subnet's), a VM whose NICs a scale set defines, no primary NIC, no private
// IP, a classic (Azure Service Manager) VM.

import type { VirtualMachine } from '@azure/arm-compute';
import type { NetworkInterface, Subnet } from '@azure/arm-network';
import type { SeenVm } from '../../ports/firewall.js';
import { describeArmError } from './arm-errors.js';
import { CLASSIC_REASON, type ClassicVm, listClassicVms } from './classic-vms.js';
import type { ArmClients } from './clients.js';
import type { NsgScope } from './resolver.js';

export interface SubscriptionListing {
  vms: VirtualMachine[];
  nics: NetworkInterface[];
  subnets: Subnet[];
  classic: ClassicVm[];
}

/** A VM's network as the listings show it: a problem no guard overcomes, or whether an NSG in scope guards it (and if not, why). */
export type VmNetworkVerdict = { seen: Omit<SeenVm, 'support' | 'reason'> } & (
  | { problem: string }
  | { problem?: undefined; nsg: true }
  | { problem?: undefined; nsg: false; noNsg: string }
);

/** Lists one subscription; throws a sentence naming the subscription and what failed. */
export async function listSubscription(clients: ArmClients, subscriptionId: string, signal: AbortSignal): Promise<SubscriptionListing> {
  const [compute, network] = await Promise.all([clients.compute(subscriptionId), clients.network(subscriptionId)]);
  const collect = async <T>(what: string, pages: AsyncIterable<T>): Promise<T[]> => {
    const items: T[] = [];
    try {
      for await (const item of pages) items.push(item);
    } catch (error) {
      throw new Error(`listing the ${what} of subscription ${subscriptionId} failed: ${describeArmError(error)}`, { cause: error });
    }
    return items;
  };
  const [vms, nics, vnets, classic] = await Promise.all([
    collect('virtual machines', compute.virtualMachines.listAll({ abortSignal: signal })),
    collect('network interfaces', network.networkInterfaces.listAll({ abortSignal: signal })),
    collect('virtual networks', network.virtualNetworks.listAll({ abortSignal: signal })),
    listClassicVms(clients, subscriptionId, signal),
  ]);
  return { vms, nics, subnets: vnets.flatMap((vnet) => vnet.subnets ?? []), classic };
}

/** Every VM of the listings with the azure-nsg backend's verdict on it. */
export function seenVms(listings: SubscriptionListing[], scope: NsgScope): SeenVm[] {
  return judgeVms(listings, scope, nsgVerdict);
}

/** azure-nsg guards a VM an NSG in scope guards. */
function nsgVerdict(network: VmNetworkVerdict): SeenVm {
  if (network.problem !== undefined) return { ...network.seen, support: 'unsupported', reason: network.problem };
  return network.nsg ? { ...network.seen, guard: 'nsg', support: 'supported' } : { ...network.seen, support: 'unsupported', reason: network.noNsg };
}

/** Every VM of the listings judged by `verdict`, then the classic VMs, which no backend supports. */
export function judgeVms(listings: SubscriptionListing[], scope: NsgScope, verdict: (network: VmNetworkVerdict) => SeenVm): SeenVm[] {
  const nics = byId(listings.flatMap((listing) => listing.nics));
  const subnets = byId(listings.flatMap((listing) => listing.subnets));
  const arm = listings.flatMap((listing) => listing.vms.flatMap((vm) => (vm.id && vm.name ? [verdict(networkOf(vm, nics, subnets, scope))] : [])));
  const classic = listings.flatMap((listing) =>
    listing.classic.map((vm): SeenVm => ({ id: vm.id, name: vm.name, support: 'unsupported', reason: CLASSIC_REASON })),
  );
  return [...arm, ...classic];
}

/** Whether an NSG in `scope` guards the VM's primary NIC, and why not. */
export function supportOf(vm: VirtualMachine, nics: Map<string, NetworkInterface>, subnets: Map<string, Subnet>, scope: NsgScope): SeenVm {
  return nsgVerdict(networkOf(vm, nics, subnets, scope));
}

/** What stands between the VM and a guard: its NIC, private IP and the NSG in `scope`. */
export function networkOf(vm: VirtualMachine, nics: Map<string, NetworkInterface>, subnets: Map<string, Subnet>, scope: NsgScope): VmNetworkVerdict {
  // Azure says Linux or Windows; enabling JIT proposes that OS's default ports.
  const osType = vm.storageProfile?.osDisk?.osType;
  const seen = { id: vm.id!, name: vm.name!, ...(osType === 'Linux' ? { os: 'linux' as const } : osType === 'Windows' ? { os: 'windows' as const } : {}) };
  const unsupported = (reason: string): VmNetworkVerdict => ({ seen, problem: reason });
  const noNsg = (reason: string): VmNetworkVerdict => ({ seen, nsg: false, noNsg: reason });
  const links = vm.networkProfile?.networkInterfaces ?? [];
  if (links.length === 0) {
    return unsupported(
      (vm.networkProfile?.networkInterfaceConfigurations?.length ?? 0) > 0
        ? 'its network interfaces are defined by a scale set (networkInterfaceConfigurations), which this backend does not support'
        : 'it has no network interface',
    );
  }
  const link = links.find((nic) => nic.primary) ?? (links.length === 1 ? links[0] : undefined);
  if (!link?.id) return unsupported(`it has ${links.length} network interfaces and none is marked primary`);
  const nicName = lastSegment(link.id);
  const nic = nics.get(link.id.toLowerCase());
  if (!nic) return unsupported(`its network interface ${nicName} is not in the listing (another subscription, or the bot's identity cannot read it)`);
  const configs = nic.ipConfigurations ?? [];
  const config = configs.find((c) => c.primary) ?? configs[0];
  if (!config?.privateIPAddress) return unsupported(`its network interface ${nicName} has no private IP address`);

  const subnetId = config.subnet?.id;
  const onNic = nic.networkSecurityGroup?.id !== undefined;
  const onSubnet = subnetId !== undefined && subnets.get(subnetId.toLowerCase())?.networkSecurityGroup?.id !== undefined;
  if (scope === 'nic' ? onNic : onSubnet) return { seen, nsg: true };
  const subnetName = subnetId
    ? subnetId
        .split('/')
        .slice(-3)
        .filter((_, i) => i !== 1)
        .join('/')
    : 'its subnet';
  if (scope === 'nic' && onSubnet) {
    return noNsg(`no network security group on its network interface ${nicName}; its subnet ${subnetName} has one (JIT_AZURE_NSG_SCOPE=subnet would use it)`);
  }
  if (scope === 'subnet' && onNic) {
    return noNsg(`no network security group on its subnet ${subnetName}; its network interface ${nicName} has one (JIT_AZURE_NSG_SCOPE=nic would use it)`);
  }
  return noNsg(`no network security group guards it: neither its network interface ${nicName} nor its subnet ${subnetName} has one`);
}

function byId<T extends { id?: string }>(items: T[]): Map<string, T> {
  return new Map(items.flatMap((item) => (item.id ? [[item.id.toLowerCase(), item] as const] : [])));
}

function lastSegment(id: string): string {
  return id.replace(/\/+$/, '').split('/').at(-1) ?? id;
}

/**
 * Every VM of the listings with the azure-firewall backend's verdict: the
 * firewall guards any VM with a private IP, with an NSG in scope too `both`;
 * a firewall the backend cannot use (Firewall Manager) makes every VM
 * unsupported with its reason.
 */
export function firewallSeenVms(listings: SubscriptionListing[], scope: NsgScope, firewallProblem?: string): SeenVm[] {
  return judgeVms(listings, scope, (network) => {
    if (firewallProblem !== undefined) return { ...network.seen, support: 'unsupported', reason: firewallProblem };
    if (network.problem !== undefined) return { ...network.seen, support: 'unsupported', reason: network.problem };
    return { ...network.seen, guard: network.nsg ? 'both' : 'firewall', support: 'supported' };
  });
}
