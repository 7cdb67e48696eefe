// The Azure Firewall backend's and the Defender for Cloud policy's variables:
// defaults, parsed values, and a line that says what to write for a bad one.

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';

const base = { SLACK_BOT_TOKEN: 'xoxb-123', SLACK_SIGNING_SECRET: 'secret-123456', JIT_AUDIT_CHANNEL: 'C0AUDIT' };
const FIREWALL = '/subscriptions/1f0c9a52-6d1e-4c1b-9a57-3c2e8d0b7a11/resourceGroups/rg-hub/providers/Microsoft.Network/azureFirewalls/fw-hub';

const problem = (env: Record<string, string>) => {
  const result = loadConfig({ ...base, ...env });
  return result.ok ? undefined : result.error;
};

describe('Azure variables', () => {
  it('defaults_noFirewall_theBotsGroupAtPriority150_ports50000to59999_refreshEvery5m', () => {
    const result = loadConfig(base);
    expect(result.ok && result.config).toMatchObject({
      JIT_AZURE_FIREWALL_RCG: 'jit-access-bot',
      JIT_AZURE_FIREWALL_PRIORITY: 150,
      JIT_AZURE_FIREWALL_PORTS: { min: 50000, max: 59999 },
      JIT_POLICY_REFRESH: 300_000,
    });
    expect(result.ok && [result.config.JIT_AZURE_FIREWALL, result.config.JIT_POLICY_EXTENSIONS]).toEqual([undefined, undefined]);
  });

  it('givenValues_areParsed', () => {
    const result = loadConfig({
      ...base,
      JIT_AZURE_FIREWALL: FIREWALL,
      JIT_AZURE_FIREWALL_RCG: 'jit-prod',
      JIT_AZURE_FIREWALL_PRIORITY: '64000',
      JIT_AZURE_FIREWALL_PORTS: '40000-40099',
      JIT_POLICY_REFRESH: '30s',
    });
    expect(result.ok && result.config).toMatchObject({
      JIT_AZURE_FIREWALL: FIREWALL,
      JIT_AZURE_FIREWALL_RCG: 'jit-prod',
      JIT_AZURE_FIREWALL_PRIORITY: 64000,
      JIT_AZURE_FIREWALL_PORTS: { min: 40000, max: 40099 },
      JIT_POLICY_REFRESH: 30_000,
    });
  });

  it.each([
    [
      'JIT_AZURE_FIREWALL',
      FIREWALL.replace('azureFirewalls', 'firewallPolicies'),
      /^JIT_AZURE_FIREWALL must be an Azure Firewall resource id: \/subscriptions\//,
    ],
    ['JIT_AZURE_FIREWALL_PRIORITY', '99', /^JIT_AZURE_FIREWALL_PRIORITY must be a rule collection group priority from 100 to 65000/],
    ['JIT_AZURE_FIREWALL_PRIORITY', 'high', /^JIT_AZURE_FIREWALL_PRIORITY must be/],
    ['JIT_AZURE_FIREWALL_PORTS', '60000-50000', /^JIT_AZURE_FIREWALL_PORTS must be a port range such as 50000-59999/],
    ['JIT_AZURE_FIREWALL_PORTS', '50022', /^JIT_AZURE_FIREWALL_PORTS must be a port range/],
    ['JIT_AZURE_FIREWALL_RCG', 'bad name!', /^JIT_AZURE_FIREWALL_RCG must be a rule collection group name/],
    ['JIT_POLICY_REFRESH', '5s', /^JIT_POLICY_REFRESH must be at least 10s/],
    ['JIT_POLICY_REFRESH', 'hourly', /^JIT_POLICY_REFRESH must be a number followed by ms, s or m/],
  ])('%s=%s_isRefusedWithWhatToWrite', (key, value, message) => {
    expect(problem({ [key]: value })).toMatch(message);
  });
});
