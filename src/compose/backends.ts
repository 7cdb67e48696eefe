// Builds the firewall backends the configuration and the policy name. Only
// the composition roots (the bot, the CLI) call this; tests construct backends
// directly. The Azure SDKs load when an Azure backend first talks to Azure
// (azure/clients.ts), so a bot or CLI command that never does skips them.

import type { Logger } from '../ports/logger.js';
import type { Config } from '../config/env.js';
import { JitError } from '../domain/errors.js';
import type { OverlayVm } from '../domain/policy/overlay.js';
import type { Policy } from '../domain/types.js';
import { AzureFirewallBackend, AzureNsgBackend } from '../firewall/azure/index.js';
import { defaultAzureCredential } from '../firewall/azure/clients.js';
import type { FirewallBackend } from '../ports/firewall.js';
import { MemoryBackend } from '../ports/memory-firewall.js';
import { NftablesBackend } from '../firewall/nftables/backend.js';

export const BACKEND_KINDS = ['memory', 'nftables', 'azure-nsg', 'azure-firewall'] as const;

/**
 * Backends whose rules live in the process that made them (the memory
 * backend): another process, such as the CLI, sees an empty firewall there.
 */
export function processLocalBackends(names: readonly string[]): string[] {
  return names.filter((name) => name === 'memory');
}

export type BackendConfig = Pick<
  Config,
  | 'JIT_BACKEND'
  | 'JIT_NFT_COMMAND'
  | 'JIT_NFT_TABLE'
  | 'AZURE_ARM_ENDPOINT'
  | 'JIT_AZURE_NSG_SCOPE'
  | 'JIT_AZURE_FIREWALL'
  | 'JIT_AZURE_FIREWALL_RCG'
  | 'JIT_AZURE_FIREWALL_PRIORITY'
  | 'JIT_AZURE_FIREWALL_PORTS'
>;

/**
 * One instance of each backend that JIT_BACKEND, a VM of the policy file or a
 * VM enabled from Slack (the overlay) names. An overlay entry naming a kind
 * that does not exist starts nothing: LivePolicy reports it as not applied.
 */
export function createBackends(config: BackendConfig, policy: Policy, logger: Logger, overlay: readonly OverlayVm[] = []): FirewallBackend[] {
  const known = (name: unknown): name is string => (BACKEND_KINDS as readonly unknown[]).includes(name);
  const names = new Set([
    config.JIT_BACKEND,
    ...policy.vms.flatMap((vm) => (vm.backend ? [vm.backend] : [])),
    ...overlay.flatMap((entry) => (known(entry.vm.backend) ? [entry.vm.backend] : [])),
  ]);
  return [...names].map((name) => createBackend(name, config, logger));
}

function createBackend(name: string, config: BackendConfig, logger: Logger): FirewallBackend {
  switch (name) {
    case 'memory':
      logger.warn('the memory backend opens nothing on the network: use it to try the bot out, not to guard VMs');
      return new MemoryBackend();
    case 'nftables':
      return new NftablesBackend({ command: config.JIT_NFT_COMMAND, table: config.JIT_NFT_TABLE, logger });
    case 'azure-nsg':
      // DefaultAzureCredential: managed identity, workload identity, Azure CLI login or a service principal from AZURE_*.
      return new AzureNsgBackend({
        credential: defaultAzureCredential(),
        nsgScope: config.JIT_AZURE_NSG_SCOPE,
        logger,
        ...(config.AZURE_ARM_ENDPOINT ? { endpoint: config.AZURE_ARM_ENDPOINT } : {}),
      });
    case 'azure-firewall':
      if (!config.JIT_AZURE_FIREWALL) {
        throw new JitError(
          'jit_config_invalid',
          'backend `azure-firewall` needs JIT_AZURE_FIREWALL: set it to the resource id of the Azure Firewall in front of those VMs (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/azureFirewalls/<name>)',
        );
      }
      return new AzureFirewallBackend({
        credential: defaultAzureCredential(),
        firewallId: config.JIT_AZURE_FIREWALL,
        ruleCollectionGroup: config.JIT_AZURE_FIREWALL_RCG,
        priority: config.JIT_AZURE_FIREWALL_PRIORITY,
        publicPorts: config.JIT_AZURE_FIREWALL_PORTS,
        nsgScope: config.JIT_AZURE_NSG_SCOPE,
        logger,
        ...(config.AZURE_ARM_ENDPOINT ? { endpoint: config.AZURE_ARM_ENDPOINT } : {}),
      });
    default:
      throw new JitError(
        'jit_config_invalid',
        `backend \`${name}\` does not exist: use one of ${BACKEND_KINDS.join(', ')} (JIT_BACKEND, or a VM's \`backend\` in JIT_POLICY)`,
      );
  }
}
