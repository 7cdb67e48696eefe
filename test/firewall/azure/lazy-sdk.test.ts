// The Azure SDKs are loaded when an azure-nsg backend first talks to ARM, not
// when the bot starts: under tsx (npm start) they cost about 100 MB, which a bot
// without Azure VMs must not pay (bench/mass-expiry.ts measures the bot's peak
// RSS). A module-resolution hook in a fresh process lists what gets imported.

import { describe, expect, it } from 'vitest';
import { importsMatching } from '../../support/import-probe.js';

// core-rest-pipeline too: 2.5 MB of a compiled bot's idle memory, once imported for `isRestError` alone.
const HEAVY = ['@azure/arm-network', '@azure/arm-compute', '@azure/identity', '@azure/core-rest-pipeline'];

/** The @azure packages a fresh process imports while running `script` (an ES module body). */
const azureImports = (script: string) => importsMatching('^@azure/', script);

describe('Azure SDK loading', () => {
  it('botAndAzureBackend_constructed_importNoHeavySdk', () => {
    const imported = azureImports(`
      await import('./src/bot.ts');
      const { createBackends } = await import('./src/compose/backends.ts');
      const vm = { id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/a', name: 'a', backend: 'azure-nsg', tags: {}, ports: [] };
      const config = { JIT_BACKEND: 'memory', JIT_NFT_COMMAND: ['nft'], JIT_NFT_TABLE: 'jit', JIT_AZURE_NSG_SCOPE: 'nic' };
      createBackends(config, { vms: [vm], approvers: [], rules: [] }, console);
    `);
    expect(imported.filter((name) => HEAVY.includes(name))).toEqual([]);
  }, 60_000);

  it('azureFirewallBackend_constructed_importsNoHeavySdk', () => {
    const imported = azureImports(`
      const { AzureFirewallBackend } = await import('./src/firewall/azure/index.ts');
      new AzureFirewallBackend({
        credential: { getToken: async () => null },
        firewallId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/azureFirewalls/fw',
      });
    `);
    expect(imported.filter((name) => HEAVY.includes(name))).toEqual([]);
  }, 60_000);

  it('armClients_firstUse_loadsTheSdk', () => {
    const imported = azureImports(`
      const { ArmClients } = await import('./src/firewall/azure/clients.ts');
      await new ArmClients({ credential: { getToken: async () => null } }).network('00000000-0000-0000-0000-000000000000');
    `);
    expect(imported).toContain('@azure/arm-network');
  }, 60_000);
});
