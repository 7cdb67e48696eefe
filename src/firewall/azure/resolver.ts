// VM id → (NSG, private IP): the VM's primary NIC, that NIC's primary IP
// configuration, and the NSG on the NIC (scope 'nic') or on its subnet (scope
// 'subnet'), which the azure-firewall backend may find missing. Cached briefly, because 20 grants on one VM in one minute should
// cost three reads, not sixty; concurrent lookups of one VM share one request.

import { JitError } from '../../domain/errors.js';
import type { Clock } from '../../ports/clock.js';
import { describeArmError, isNotFound } from './arm-errors.js';
import type { ArmClients } from './clients.js';
import { parseNicId, parseNsgId, parseSubnetId, parseVmId, VM_ID_SHAPE, type NsgRef, type VmRef } from './resource-id.js';

export type NsgScope = 'nic' | 'subnet';

export interface VmTarget {
  vmId: string;
  /** The VM's name in Azure. */
  azureName: string;
  nsg: NsgRef;
  /** The NIC's primary private IP: NSG rules match addresses after NAT. */
  privateIp: string;
  /** Where the NSG was found, for messages: `NIC web-1-nic` or `subnet vnet/default`. */
  attachedTo: string;
}

/** What resolve() finds before it insists on an NSG: an Azure Firewall guards VMs with or without one. */
export type VmNetwork = Omit<VmTarget, 'nsg' | 'attachedTo'> & ({ nsg: NsgRef; attachedTo: string } | { nsg?: undefined; noNsg: string });

const fail = (message: string, cause?: unknown) => new JitError('jit_backend_failed', message, cause === undefined ? undefined : { cause });

/** The VM itself is gone from Azure (its NIC, NSG and our rules may well remain). */
export class VmNotFoundError extends JitError {}

/** Parses a VM id or throws the error that says what shape it must have. */
export function requireVmId(id: string): VmRef {
  const vm = parseVmId(id);
  if (!vm) throw fail(`\`${id}\` is not an Azure VM resource id (expected ${VM_ID_SHAPE}): give the VM its Azure id in the policy, or another backend`);
  return vm;
}

export class VmResolver {
  private readonly cache = new Map<string, { at: number; target: Promise<VmNetwork> }>();

  constructor(
    private readonly clients: ArmClients,
    private readonly options: { scope: NsgScope; clock: Clock; ttlMs: number; timeoutMs: number },
  ) {}

  /** The VM's private IP and the NSG in scope; throws when no NSG is there. */
  async resolve(vmId: string): Promise<VmTarget> {
    const network = await this.network(vmId);
    if (!network.nsg) throw fail(network.noNsg);
    return network;
  }

  /** The VM's private IP, and the NSG in scope when there is one. */
  network(vmId: string): Promise<VmNetwork> {
    const vm = requireVmId(vmId);
    const key = vm.id.toLowerCase();
    const now = this.options.clock.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.options.ttlMs) return hit.target;
    const target = this.lookup(vm);
    this.cache.set(key, { at: now, target });
    // A failed lookup is not remembered: the next call asks Azure again.
    target.catch(() => {
      if (this.cache.get(key)?.target === target) this.cache.delete(key);
    });
    return target;
  }

  /** Forgets a VM (its NSG was not found where we thought: it moved or was deleted). */
  forget(vmId: string): void {
    const vm = parseVmId(vmId);
    if (vm) this.cache.delete(vm.id.toLowerCase());
  }

  private callOptions() {
    return { abortSignal: AbortSignal.timeout(this.options.timeoutMs) };
  }

  private async lookup(vm: VmRef): Promise<VmNetwork> {
    const machine = await (await this.clients.compute(vm.subscriptionId)).virtualMachines
      .get(vm.resourceGroup, vm.name, this.callOptions())
      .catch((error: unknown) => {
        throw isNotFound(error)
          ? new VmNotFoundError(
              'jit_backend_failed',
              `VM ${vm.name} was not found in Azure (${vm.id}): deleted, renamed, or the bot's identity cannot see it`,
              { cause: error },
            )
          : fail(`could not read VM ${vm.name}: ${describeArmError(error)}`, error);
      });
    const links = machine.networkProfile?.networkInterfaces ?? [];
    const link = links.find((nic) => nic.primary) ?? (links.length === 1 ? links[0] : undefined);
    if (!link?.id) {
      throw fail(
        links.length === 0
          ? `VM ${vm.name} has no network interface in its network profile (scale-set VMs defined by networkInterfaceConfigurations are not supported)`
          : `VM ${vm.name} has ${links.length} network interfaces and none is marked primary`,
      );
    }
    const nicRef = parseNicId(link.id);
    if (!nicRef) throw fail(`VM ${vm.name} names a network interface with an unexpected id: ${link.id}`);
    const network = await this.clients.network(nicRef.subscriptionId);
    const nic = await network.networkInterfaces.get(nicRef.resourceGroup, nicRef.name, this.callOptions()).catch((error: unknown) => {
      throw fail(`could not read network interface ${nicRef.name} of VM ${vm.name}: ${describeArmError(error)}`, error);
    });
    const configs = nic.ipConfigurations ?? [];
    const config = configs.find((c) => c.primary) ?? configs[0];
    const privateIp = config?.privateIPAddress;
    if (!privateIp) throw fail(`network interface ${nicRef.name} of VM ${vm.name} has no private IP address`);

    if (this.options.scope === 'nic') {
      const nsg = nic.networkSecurityGroup?.id ? parseNsgId(nic.networkSecurityGroup.id) : undefined;
      if (!nsg) {
        const noNsg =
          `network interface ${nicRef.name} of VM ${vm.name} has no network security group: associate one with the NIC ` +
          `(az network nic update -g ${nicRef.resourceGroup} -n ${nicRef.name} --network-security-group <nsg>), or set nsgScope 'subnet' to use the subnet's NSG`;
        return { vmId: vm.id, azureName: vm.name, privateIp, noNsg };
      }
      return { vmId: vm.id, azureName: vm.name, nsg, privateIp, attachedTo: `NIC ${nicRef.name}` };
    }

    const subnetRef = config?.subnet?.id ? parseSubnetId(config.subnet.id) : undefined;
    if (!subnetRef) throw fail(`network interface ${nicRef.name} of VM ${vm.name} is in no subnet we can read`);
    const subnet = await (await this.clients.network(subnetRef.subscriptionId)).subnets
      .get(subnetRef.resourceGroup, subnetRef.virtualNetwork, subnetRef.name, this.callOptions())
      .catch((error: unknown) => {
        throw fail(`could not read subnet ${subnetRef.virtualNetwork}/${subnetRef.name} of VM ${vm.name}: ${describeArmError(error)}`, error);
      });
    const nsg = subnet.networkSecurityGroup?.id ? parseNsgId(subnet.networkSecurityGroup.id) : undefined;
    if (!nsg) {
      const noNsg =
        `subnet ${subnetRef.virtualNetwork}/${subnetRef.name} of VM ${vm.name} has no network security group: associate one with the subnet ` +
        `(az network vnet subnet update -g ${subnetRef.resourceGroup} --vnet-name ${subnetRef.virtualNetwork} -n ${subnetRef.name} --network-security-group <nsg>), ` +
        `or set nsgScope 'nic' to use the NIC's NSG`;
      return { vmId: vm.id, azureName: vm.name, privateIp, noNsg };
    }
    return { vmId: vm.id, azureName: vm.name, nsg, privateIp, attachedTo: `subnet ${subnetRef.virtualNetwork}/${subnetRef.name}` };
  }
}
