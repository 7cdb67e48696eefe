// Azure resource ids, parsed once at the edge. Pure. ARM treats the provider and
// type segments case-insensitively, so matching does too; names keep their case
// (they are what we send back to ARM and show to people).

export interface ResourceGroupScoped {
  /** The id as given (trailing slash removed). */
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

export type VmRef = ResourceGroupScoped;
export type NicRef = ResourceGroupScoped;
export type NsgRef = ResourceGroupScoped & {
  /** Lower-cased id: one key per NSG however its id was spelled. */
  key: string;
};
/** Any network resource we key by id: a firewall, its policy, its public IP. */
export type NetworkRef = NsgRef;
export type SubnetRef = ResourceGroupScoped & { virtualNetwork: string };

const PREFIX = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/(.+)$/i;

function scoped(id: string, providerPath: RegExp): (ResourceGroupScoped & { match: RegExpMatchArray }) | undefined {
  const trimmed = id.trim().replace(/\/+$/, '');
  const outer = trimmed.match(PREFIX);
  if (!outer) return undefined;
  const inner = outer[3]!.match(providerPath);
  if (!inner) return undefined;
  return { id: trimmed, subscriptionId: outer[1]!, resourceGroup: outer[2]!, name: inner[inner.length - 1]!, match: inner };
}

export const VM_ID_SHAPE = '/subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.Compute/virtualMachines/<name>';

/** A VM's id, or undefined when `id` is not an Azure VM resource id. */
export function parseVmId(id: string): VmRef | undefined {
  const parsed = scoped(id, /^Microsoft\.Compute\/virtualMachines\/([^/]+)$/i);
  return parsed && { id: parsed.id, subscriptionId: parsed.subscriptionId, resourceGroup: parsed.resourceGroup, name: parsed.name };
}

export function parseNicId(id: string): NicRef | undefined {
  const parsed = scoped(id, /^Microsoft\.Network\/networkInterfaces\/([^/]+)$/i);
  return parsed && { id: parsed.id, subscriptionId: parsed.subscriptionId, resourceGroup: parsed.resourceGroup, name: parsed.name };
}

export function parseSubnetId(id: string): SubnetRef | undefined {
  const parsed = scoped(id, /^Microsoft\.Network\/virtualNetworks\/([^/]+)\/subnets\/([^/]+)$/i);
  return (
    parsed && {
      id: parsed.id,
      subscriptionId: parsed.subscriptionId,
      resourceGroup: parsed.resourceGroup,
      virtualNetwork: parsed.match[1]!,
      name: parsed.name,
    }
  );
}

export function parseNsgId(id: string): NsgRef | undefined {
  return parseNetworkId(id, 'networkSecurityGroups');
}

/** A Microsoft.Network resource of `type` (`azureFirewalls`, `firewallPolicies`, `publicIPAddresses`), with its lower-cased key. */
export function parseNetworkId(id: string, type: string): NetworkRef | undefined {
  const parsed = scoped(id, new RegExp(`^Microsoft\\.Network/${type}/([^/]+)$`, 'i'));
  return (
    parsed && { id: parsed.id, key: parsed.id.toLowerCase(), subscriptionId: parsed.subscriptionId, resourceGroup: parsed.resourceGroup, name: parsed.name }
  );
}
