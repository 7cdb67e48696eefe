// The Azure Firewall in front of the VMs: where its rules go (its firewall
// policy) and the address users connect to (its first IP configuration's
// public IP). Read once per resolveCacheMs: every open and close needs it.
// A firewall Azure Firewall Manager manages (in a secured virtual hub) or one
// without a policy (classic rules) is refused with the reason, as Azure's own
// JIT refuses it.

import type { AzureFirewall } from '@azure/arm-network';
import { JitError } from '../../domain/errors.js';
import type { Clock } from '../../ports/clock.js';
import { describeArmError, isNotFound } from './arm-errors.js';
import type { ArmClients } from './clients.js';
import { type NetworkRef, parseNetworkId, parseSubnetId } from './resource-id.js';

export interface FirewallTarget {
  name: string;
  policy: NetworkRef;
  /** The public address users connect to; DNAT rules match it. */
  publicIp: string;
  /**
   * Where DNAT'd traffic comes from as the VM sees it: Azure Firewall
   * translates the source of a DNAT flow to one of its own addresses in
   * AzureFirewallSubnet, so this prefix, not the requester's address, is what
   * an NSG behind the firewall must let in.
   */
  translatedSource: string;
}

/** The firewall is readable but this backend cannot use it; the message says why, for every VM behind it. */
export class FirewallUnsupportedError extends JitError {}

/** The verdict on a firewall as ARM describes it: its policy, or why it cannot be used. Pure. */
export function firewallVerdict(
  firewall: AzureFirewall,
  name: string,
): { policy: NetworkRef; publicIpId: string; subnetId: string | undefined } | { reason: string } {
  if (firewall.virtualHub?.id || firewall.sku?.name === 'AZFW_Hub') {
    return {
      reason:
        `Azure Firewall ${name} is in a secured virtual hub and managed by Azure Firewall Manager, ` +
        'which just-in-time access does not support (nor does Azure’s own JIT): use a firewall in a virtual network',
    };
  }
  const policy = firewall.firewallPolicy?.id ? parseNetworkId(firewall.firewallPolicy.id, 'firewallPolicies') : undefined;
  if (!policy) {
    return {
      reason: `Azure Firewall ${name} has no firewall policy (it uses classic rules): attach a firewall policy to it, the bot writes its DNAT rules there`,
    };
  }
  const publicIpId = firewall.ipConfigurations?.[0]?.publicIPAddress?.id;
  if (!publicIpId) return { reason: `Azure Firewall ${name} has no public IP address on its first IP configuration, so there is nothing to connect to` };
  return { policy, publicIpId, subnetId: firewall.ipConfigurations?.[0]?.subnet?.id };
}

export class FirewallResolver {
  private cached?: { at: number; target: Promise<FirewallTarget> };

  constructor(
    private readonly clients: ArmClients,
    private readonly firewall: NetworkRef,
    private readonly options: { clock: Clock; ttlMs: number; timeoutMs: number },
  ) {}

  resolve(): Promise<FirewallTarget> {
    const now = this.options.clock.now();
    if (this.cached && now - this.cached.at < this.options.ttlMs) return this.cached.target;
    const target = this.lookup();
    const entry = { at: now, target };
    this.cached = entry;
    // A failed read is not remembered (an unsupported firewall is: that is an answer).
    target.catch((error: unknown) => {
      if (this.cached === entry && !(error instanceof FirewallUnsupportedError)) this.cached = undefined;
    });
    return target;
  }

  private async lookup(): Promise<FirewallTarget> {
    const { subscriptionId, resourceGroup, name } = this.firewall;
    const signal = () => ({ abortSignal: AbortSignal.timeout(this.options.timeoutMs) });
    const firewall = await (await this.clients.network(subscriptionId)).azureFirewalls.get(resourceGroup, name, signal()).catch((error: unknown) => {
      const why = isNotFound(error) ? 'was not found (check JIT_AZURE_FIREWALL)' : `could not be read: ${describeArmError(error)}`;
      throw new JitError('jit_backend_failed', `Azure Firewall ${name} (resource group ${resourceGroup}) ${why}`, { cause: error });
    });
    const verdict = firewallVerdict(firewall, name);
    if ('reason' in verdict) throw new FirewallUnsupportedError('jit_backend_failed', verdict.reason);
    const ipRef = parseNetworkId(verdict.publicIpId, 'publicIPAddresses');
    if (!ipRef) throw new JitError('jit_backend_failed', `Azure Firewall ${name} names a public IP with an unexpected id: ${verdict.publicIpId}`);
    const ip = await (await this.clients.network(ipRef.subscriptionId)).publicIPAddresses
      .get(ipRef.resourceGroup, ipRef.name, signal())
      .catch((error: unknown) => {
        throw new JitError('jit_backend_failed', `public IP ${ipRef.name} of Azure Firewall ${name} could not be read: ${describeArmError(error)}`, {
          cause: error,
        });
      });
    if (!ip.ipAddress) throw new JitError('jit_backend_failed', `public IP ${ipRef.name} of Azure Firewall ${name} has no address allocated`);
    return { name, policy: verdict.policy, publicIp: ip.ipAddress, translatedSource: await this.firewallSubnet(verdict.subnetId, name, signal) };
  }

  /** The AzureFirewallSubnet's address prefix (see FirewallTarget.translatedSource). */
  private async firewallSubnet(id: string | undefined, name: string, signal: () => { abortSignal: AbortSignal }): Promise<string> {
    const ref = id === undefined ? undefined : parseSubnetId(id);
    if (!ref)
      throw new JitError('jit_backend_failed', `Azure Firewall ${name} names no subnet on its first IP configuration (expected its AzureFirewallSubnet)`);
    const subnet = await (await this.clients.network(ref.subscriptionId)).subnets
      .get(ref.resourceGroup, ref.virtualNetwork, ref.name, signal())
      .catch((error: unknown) => {
        throw new JitError(
          'jit_backend_failed',
          `subnet ${ref.virtualNetwork}/${ref.name} of Azure Firewall ${name} could not be read (the bot needs Microsoft.Network/virtualNetworks/subnets/read there): ${describeArmError(error)}`,
          { cause: error },
        );
      });
    const prefix = subnet.addressPrefix ?? subnet.addressPrefixes?.[0];
    if (!prefix) throw new JitError('jit_backend_failed', `subnet ${ref.virtualNetwork}/${ref.name} of Azure Firewall ${name} has no address prefix`);
    return prefix;
  }
}
