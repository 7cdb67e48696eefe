// The azure-firewall backend's options: defaults, and refusals that name the
// option and say what it must be.

import { describe, expect, it } from 'vitest';
import { DEFAULT_PUBLIC_PORTS, resolveFirewallSettings } from '../../../src/firewall/azure/firewall-options.js';

const credential = { getToken: async () => null };
const firewallId = '/subscriptions/s1/resourceGroups/rg-hub/providers/Microsoft.Network/azureFirewalls/hub-fw';

describe('resolveFirewallSettings', () => {
  it('fillsTheDefaults', () => {
    expect(resolveFirewallSettings({ credential, firewallId })).toMatchObject({
      firewall: { name: 'hub-fw', resourceGroup: 'rg-hub', subscriptionId: 's1', key: firewallId.toLowerCase() },
      group: 'jit-access-bot',
      priority: 150,
      publicPorts: DEFAULT_PUBLIC_PORTS,
    });
  });

  it('refusesWhatAzureWouldRefuse_namingTheOption', () => {
    expect(() => resolveFirewallSettings({ credential, firewallId: firewallId.replace('azureFirewalls', 'networkSecurityGroups') })).toThrow(
      /firewallId must be an Azure Firewall resource id/,
    );
    expect(() => resolveFirewallSettings({ credential, firewallId, priority: 99 })).toThrow(/priority must be a whole number from 100 to 65000, not 99/);
    expect(() => resolveFirewallSettings({ credential, firewallId, publicPorts: { min: 60000, max: 50000 } })).toThrow(/publicPorts 60000–50000/);
    expect(() => resolveFirewallSettings({ credential, firewallId, ruleCollectionGroup: 'bad name' })).toThrow(/ruleCollectionGroup bad name/);
  });
});
