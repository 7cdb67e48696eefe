import { describe, expect, it } from 'vitest';
import { AzureNsgBackend } from '../../src/firewall/azure/index.js';
import { createBackends } from '../../src/compose/backends.js';
import { MemoryBackend } from '../../src/ports/memory-firewall.js';
import { NftablesBackend } from '../../src/firewall/nftables/backend.js';
import { createLogger } from '../../src/log.js';
import { policyOf, vm } from '../support/workflow-harness.js';

const config = { JIT_BACKEND: 'memory', JIT_NFT_COMMAND: ['nft'], JIT_NFT_TABLE: 'jit', AZURE_ARM_ENDPOINT: undefined, JIT_AZURE_NSG_SCOPE: 'nic' as const };
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
      /backend `pf` does not exist: use one of memory, nftables, azure-nsg/,
    );
  });
});
