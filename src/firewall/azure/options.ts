// The backend's options, their defaults, and their validation in one place.

import type { PipelineRetryOptions, TlsSettings } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { JitError } from '../../domain/errors.js';
import { systemClock, type Clock } from '../../ports/clock.js';
import { type Logger, silentLogger } from '../../ports/logger.js';
import { PUBLIC_ARM_ENDPOINT } from './clients.js';
import type { NsgScope } from './resolver.js';
import { bandsProblem, DEFAULT_BANDS, type PriorityBands } from './rule-layout.js';

export interface AzureNsgBackendOptions {
  /** Backend name the policy's `backend` field uses; default `azure-nsg`. */
  name?: string;
  /** Production: `new DefaultAzureCredential()` (managed identity, workload identity, Azure CLI, service principal). */
  credential: TokenCredential;
  /** Azure Resource Manager base URL (AZURE_ARM_ENDPOINT); default the public cloud's. */
  endpoint?: string;
  /** Which NSG guards a VM: its primary NIC's (default) or that NIC's subnet's. */
  nsgScope?: NsgScope;
  clock?: Clock;
  logger?: Logger;
  /**
   * Extra TLS trust for the ARM endpoint, passed to the SDK pipeline (a private
   * CA in front of ARM, e.g. Azure Stack Hub or a TLS-inspecting proxy). Note
   * `ca` replaces the default CA list rather than adding to it.
   */
  tlsOptions?: TlsSettings;
  /** The SDK's retry policy for 429 (Retry-After honoured), 5xx and network errors; SDK defaults otherwise. */
  retryOptions?: PipelineRetryOptions;
  /** Long-running operation polling interval when ARM sends no Retry-After; the SDK's 2 s otherwise. */
  pollIntervalMs?: number;
  /** Our retries of writes that lost a race (412 stale ETag, SecurityRuleConflict, operation in progress). */
  conflictRetry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** How long a VM → NSG/IP resolution is reused; default 60 s. */
  resolveCacheMs?: number;
  /**
   * Longest wait for one ARM call, a write including its polling; default 5 min.
   * Writes to one NSG queue behind each other, so one that never completes must
   * not hold up the closes behind it.
   */
  timeoutMs?: number;
  /** Priority bands; default allow 3000–3499, deny 3500–3999. */
  bands?: PriorityBands;
}

export interface ResolvedOptions {
  name: string;
  endpoint: string;
  nsgScope: NsgScope;
  clock: Clock;
  logger: Logger;
  pollIntervalMs?: number;
  conflictRetry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  resolveCacheMs: number;
  timeoutMs: number;
  bands: PriorityBands;
}

export function resolveOptions(options: AzureNsgBackendOptions): ResolvedOptions {
  const bands = options.bands ?? DEFAULT_BANDS;
  const problem = bandsProblem(bands);
  if (problem) throw new JitError('jit_config_invalid', `azure-nsg backend: ${problem}`);
  const scope = options.nsgScope ?? 'nic';
  if (scope !== 'nic' && scope !== 'subnet')
    throw new JitError('jit_config_invalid', `azure-nsg backend: nsgScope must be 'nic' or 'subnet', not ${String(scope)}`);
  const endpoint = options.endpoint ?? PUBLIC_ARM_ENDPOINT;
  if (!/^https:\/\//i.test(endpoint)) {
    throw new JitError('jit_config_invalid', `AZURE_ARM_ENDPOINT must be an https URL (the SDK sends bearer tokens over TLS only), not ${endpoint}`);
  }
  return {
    name: options.name ?? 'azure-nsg',
    endpoint,
    nsgScope: scope,
    clock: options.clock ?? systemClock,
    logger: options.logger ?? silentLogger,
    pollIntervalMs: options.pollIntervalMs,
    conflictRetry: {
      maxAttempts: options.conflictRetry?.maxAttempts ?? 20,
      baseDelayMs: options.conflictRetry?.baseDelayMs ?? 200,
      maxDelayMs: options.conflictRetry?.maxDelayMs ?? 10_000,
    },
    resolveCacheMs: options.resolveCacheMs ?? 60_000,
    timeoutMs: options.timeoutMs ?? 5 * 60_000,
    bands,
  };
}
