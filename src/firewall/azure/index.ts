// The Azure backends' public surface: what main.ts and the README need.

export { AzureNsgBackend } from './azure-nsg-backend.js';
export { AzureFirewallBackend } from './azure-firewall-backend.js';
export type { AzureNsgBackendOptions } from './options.js';
export {
  type AzureFirewallBackendOptions,
  DEFAULT_GROUP_PRIORITY,
  DEFAULT_PUBLIC_PORTS,
  DEFAULT_RULE_COLLECTION_GROUP,
  type PortRange,
} from './firewall-options.js';
export { NAT_COLLECTION, NAT_PREFIX } from './dnat-plan.js';
export type { NsgScope } from './resolver.js';
export { ALLOW_PREFIX, DENY_PREFIX, DEFAULT_BANDS, type PriorityBand, type PriorityBands } from './rule-layout.js';
export { PUBLIC_ARM_ENDPOINT } from './clients.js';
