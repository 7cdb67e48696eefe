// Builds the firewall backends the configuration and the policy name. Only
// the composition roots (the bot, the CLI) call this; tests construct backends
// directly. The Azure SDKs are imported only when a VM uses azure-nsg: they
// take about 1.5 s to load, which every CLI command would otherwise pay.

import type { Logger } from '@slack/bolt';
import type { Config } from '../config/env.js';
import { JitError } from '../domain/errors.js';
import type { Policy } from '../domain/types.js';
import type { FirewallBackend } from './backend.js';
import { MemoryBackend } from './memory.js';
import { NftablesBackend } from './nftables/backend.js';

export const BACKEND_KINDS = ['memory', 'nftables', 'azure-nsg'] as const;

type BackendConfig = Pick<Config, 'JIT_BACKEND' | 'JIT_NFT_COMMAND' | 'JIT_NFT_TABLE' | 'AZURE_ARM_ENDPOINT' | 'JIT_AZURE_NSG_SCOPE'>;

/** One instance of each backend that JIT_BACKEND or a VM of the policy names. */
export async function createBackends(config: BackendConfig, policy: Policy, logger: Logger): Promise<FirewallBackend[]> {
  const names = new Set([config.JIT_BACKEND, ...policy.vms.flatMap((vm) => (vm.backend ? [vm.backend] : []))]);
  const backends: FirewallBackend[] = [];
  for (const name of names) backends.push(await createBackend(name, config, logger));
  return backends;
}

async function createBackend(name: string, config: BackendConfig, logger: Logger): Promise<FirewallBackend> {
  switch (name) {
    case 'memory':
      logger.warn('the memory backend opens nothing on the network: use it to try the bot out, not to guard VMs');
      return new MemoryBackend();
    case 'nftables':
      return new NftablesBackend({ command: config.JIT_NFT_COMMAND, table: config.JIT_NFT_TABLE, logger });
    case 'azure-nsg': {
      const [{ DefaultAzureCredential }, { AzureNsgBackend }] = await Promise.all([import('@azure/identity'), import('./azure/index.js')]);
      // DefaultAzureCredential: managed identity, workload identity, Azure CLI login or a service principal from AZURE_*.
      return new AzureNsgBackend({
        credential: new DefaultAzureCredential(),
        nsgScope: config.JIT_AZURE_NSG_SCOPE,
        logger,
        ...(config.AZURE_ARM_ENDPOINT ? { endpoint: config.AZURE_ARM_ENDPOINT } : {}),
      });
    }
    default:
      throw new JitError('jit_config_invalid', `backend \`${name}\` does not exist: use one of ${BACKEND_KINDS.join(', ')} (JIT_BACKEND, or a VM's \`backend\` in JIT_POLICY)`);
  }
}
