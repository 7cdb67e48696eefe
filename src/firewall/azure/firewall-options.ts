// The azure-firewall backend's options: the NSG backend's (it holds one for
// VMs an NSG guards too) plus where the firewall's DNAT rules go. Defaults and
// validation in one place.

import { JitError } from '../../domain/errors.js';
import type { AzureNsgBackendOptions } from './options.js';
import { type NetworkRef, parseNetworkId } from './resource-id.js';

export interface PortRange {
  min: number;
  max: number;
}

export interface AzureFirewallBackendOptions extends AzureNsgBackendOptions {
  /** Backend name the policy's `backend` field uses; default `azure-firewall`. */
  name?: string;
  /** The Azure Firewall's resource id (JIT_AZURE_FIREWALL). */
  firewallId: string;
  /** The rule collection group the bot owns in the firewall's policy (JIT_AZURE_FIREWALL_RCG); default `jit-access-bot`. */
  ruleCollectionGroup?: string;
  /** That group's priority, unique among the policy's groups (JIT_AZURE_FIREWALL_PRIORITY); default 150. */
  priority?: number;
  /** Public ports DNAT rules may use (JIT_AZURE_FIREWALL_PORTS); default 50000–59999. */
  publicPorts?: PortRange;
}

export interface FirewallSettings {
  firewall: NetworkRef;
  group: string;
  priority: number;
  publicPorts: PortRange;
}

export const DEFAULT_RULE_COLLECTION_GROUP = 'jit-access-bot';
export const DEFAULT_GROUP_PRIORITY = 150;
export const DEFAULT_PUBLIC_PORTS: PortRange = { min: 50000, max: 59999 };

const invalid = (message: string) => new JitError('jit_config_invalid', `azure-firewall backend: ${message}`);

export function resolveFirewallSettings(options: AzureFirewallBackendOptions): FirewallSettings {
  const firewall = parseNetworkId(options.firewallId ?? '', 'azureFirewalls');
  if (!firewall) {
    throw invalid(
      `firewallId must be an Azure Firewall resource id (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/azureFirewalls/<name>), not ${String(options.firewallId)}`,
    );
  }
  const group = options.ruleCollectionGroup ?? DEFAULT_RULE_COLLECTION_GROUP;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,78}[A-Za-z0-9_]$/.test(group)) throw invalid(`ruleCollectionGroup ${group} is not a rule collection group name`);
  const priority = options.priority ?? DEFAULT_GROUP_PRIORITY;
  if (!Number.isInteger(priority) || priority < 100 || priority > 65000) throw invalid(`priority must be a whole number from 100 to 65000, not ${priority}`);
  const publicPorts = options.publicPorts ?? DEFAULT_PUBLIC_PORTS;
  const { min, max } = publicPorts;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 65535 || min > max) {
    throw invalid(`publicPorts ${min}–${max} is not a port range within 1–65535`);
  }
  return { firewall, group, priority, publicPorts };
}
