// The Azure NSG backend's public surface: what main.ts and the README need.

export { AzureNsgBackend } from './azure-nsg-backend.js';
export type { AzureNsgBackendOptions } from './options.js';
export type { NsgScope } from './resolver.js';
export { ALLOW_PREFIX, DENY_PREFIX, DEFAULT_BANDS, type PriorityBand, type PriorityBands } from './rule-layout.js';
export { PUBLIC_ARM_ENDPOINT } from './clients.js';
