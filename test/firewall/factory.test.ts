import { describe, expect, it } from 'vitest';
import { AzureFirewallBackend, AzureNsgBackend } from '../../src/firewall/azure/index.js';
import { type BackendConfig, createBackends } from '../../src/compose/backends.js';
import { MemoryBackend } from '../../src/ports/memory-firewall.js';
import { NftablesBackend } from '../../src/firewall/nftables/backend.js';
import { createLogger } from '../../src/log.js';
import { policyOf, vm } from '../support/workflow-harness.js';

const config: BackendConfig = {
  JIT_BACKEND: 'memory',
  JIT_NFT_COMMAND: ['nft'],
  JIT_NFT_TABLE: 'jit',
  AZURE_ARM_ENDPOINT: undefined,
  JIT_AZURE_NSG_SCOPE: 'nic',
  JIT_AZURE_FIREWALL: undefined,
  JIT_AZURE_FIREWALL_RCG: 'jit-access-bot',
  JIT_AZURE_FIREWALL_PRIORITY: 150,
  JIT_AZURE_FIREWALL_PORTS: { min: 50000, max: 59999 },
};
const FIREWALL = '/subscriptions/s/resourceGroups/rg-hub/providers/Microsoft.Network/azureFirewalls/fw-hub';
const logger = createLogger({ write: () => undefined });

describe('createBackends', () => {
  it('createBackends_buildsTheDefaultAndEveryBackendThePolicyNames', () => {
    const policy = policyOf({ vms: [vm('a', { backend: 'nftables' }), vm('b', { backend: 'azure-nsg' }), vm('c')] });
    const backends = createBackends(config, policy, logger);
    expect(backends.map((b) => b.name)).toEqual(['memory', 'nftables', 'azure-nsg']);
    expect(backends[0]).toBeInstanceOf(MemoryBackend);
    expect(backends[1]).toBeInstanceOf(NftablesBackend);
    expect(backends[2]).toBeInstanceOf(AzureNsgBackend);
  });

  it('createBackends_onlyWhatIsUsed', () => {
    expect(createBackends({ ...config, JIT_BACKEND: 'nftables' }, policyOf({ vms: [vm('a')] }), logger).map((b) => b.name)).toEqual(['nftables']);
  });

  it('createBackends_unknownName_saysWhichExist', () => {
    expect(() => createBackends(config, policyOf({ vms: [vm('a', { backend: 'pf' })] }), logger)).toThrow(
      /backend `pf` does not exist: use one of memory, nftables, azure-nsg, azure-firewall/,
    );
  });

  it('createBackends_azureFirewall_isBuiltFromItsVariables', () => {
    const policy = policyOf({ vms: [vm('a', { backend: 'azure-firewall' })] });
    const [, firewall] = createBackends({ ...config, JIT_AZURE_FIREWALL: FIREWALL }, policy, logger);
    expect(firewall).toBeInstanceOf(AzureFirewallBackend);
    expect(firewall?.name).toBe('azure-firewall');
  });

  it('createBackends_azureFirewallWithoutAFirewall_saysWhichVariableToSet', () => {
    const policy = policyOf({ vms: [vm('a', { backend: 'azure-firewall' })] });
    expect(() => createBackends(config, policy, logger)).toThrow(/backend `azure-firewall` needs JIT_AZURE_FIREWALL: set it to the resource id/);
  });
});
