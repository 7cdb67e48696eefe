// What the azure-nsg backend can see: every VM in the subscriptions its policy
// VMs live in, each with whether this backend could guard it. Three list
// calls per subscription (VMs, NICs, virtual networks with their subnets),
// however many VMs there are; the verdict itself is pure (supportOf).
//
// Unsupported, as Azure's own JIT says it: no network security group where the
// backend would write (the NIC's, or with JIT_AZURE_NSG_SCOPE=subnet the
// subnet's), a VM whose NICs a scale set defines, no primary NIC, no private
// IP. Classic (ASM) VMs are not Azure Resource Manager resources, so no list
// here returns them; a VM behind Azure Firewall Manager is not detected.

import type { VirtualMachine } from '@azure/arm-compute';
import type { NetworkInterface, Subnet } from '@azure/arm-network';
import type { SeenVm } from '../../ports/firewall.js';
import { describeArmError } from './arm-errors.js';
import type { ArmClients } from './clients.js';
import type { NsgScope } from './resolver.js';

export interface SubscriptionListing {
  vms: VirtualMachine[];
  nics: NetworkInterface[];
  subnets: Subnet[];
}

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
  const [vms, nics, vnets] = await Promise.all([
    collect('virtual machines', compute.virtualMachines.listAll({ abortSignal: signal })),
    collect('network interfaces', network.networkInterfaces.listAll({ abortSignal: signal })),
    collect('virtual networks', network.virtualNetworks.listAll({ abortSignal: signal })),
  ]);
  return { vms, nics, subnets: vnets.flatMap((vnet) => vnet.subnets ?? []) };
}

/** Every VM of the listings with the backend's verdict on it. */
export function seenVms(listings: SubscriptionListing[], scope: NsgScope): SeenVm[] {
  const nics = byId(listings.flatMap((listing) => listing.nics));
  const subnets = byId(listings.flatMap((listing) => listing.subnets));
  return listings.flatMap((listing) => listing.vms.flatMap((vm) => (vm.id && vm.name ? [supportOf(vm, nics, subnets, scope)] : [])));
}

/** Whether an NSG in `scope` guards the VM's primary NIC, and why not. */
export function supportOf(vm: VirtualMachine, nics: Map<string, NetworkInterface>, subnets: Map<string, Subnet>, scope: NsgScope): SeenVm {
  // Azure says Linux or Windows; enabling JIT proposes that OS's default ports.
  const osType = vm.storageProfile?.osDisk?.osType;
  const seen = { id: vm.id!, name: vm.name!, ...(osType === 'Linux' ? { os: 'linux' as const } : osType === 'Windows' ? { os: 'windows' as const } : {}) };
  const unsupported = (reason: string): SeenVm => ({ ...seen, support: 'unsupported', reason });
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
  if (scope === 'nic' ? onNic : onSubnet) return { ...seen, support: 'supported' };
  const subnetName = subnetId
    ? subnetId
        .split('/')
        .slice(-3)
        .filter((_, i) => i !== 1)
        .join('/')
    : 'its subnet';
  if (scope === 'nic' && onSubnet) {
    return unsupported(
      `no network security group on its network interface ${nicName}; its subnet ${subnetName} has one (JIT_AZURE_NSG_SCOPE=subnet would use it)`,
    );
  }
  if (scope === 'subnet' && onNic) {
    return unsupported(
      `no network security group on its subnet ${subnetName}; its network interface ${nicName} has one (JIT_AZURE_NSG_SCOPE=nic would use it)`,
    );
  }
  return unsupported(`no network security group guards it: neither its network interface ${nicName} nor its subnet ${subnetName} has one`);
}

function byId<T extends { id?: string }>(items: T[]): Map<string, T> {
  return new Map(items.flatMap((item) => (item.id ? [[item.id.toLowerCase(), item] as const] : [])));
}

function lastSegment(id: string): string {
  return id.replace(/\/+$/, '').split('/').at(-1) ?? id;
}
