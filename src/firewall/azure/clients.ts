// One Network, one Compute and one Security client per subscription, all sharing one pipeline
// configuration: the ARM endpoint (sovereign clouds set AZURE_ARM_ENDPOINT),
// the token audience that goes with it, the retry policy and any extra TLS trust.
// The SDK's default retry policy already honours 429/503 Retry-After and backs
// off exponentially on other 5xx and network errors; we only tune its numbers.

import type { ComputeManagementClient } from '@azure/arm-compute';
import type { NetworkManagementClient } from '@azure/arm-network';
import type { SecurityCenter } from '@azure/arm-security';
import type { PipelinePolicy, PipelineRetryOptions, TlsSettings } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';

export const PUBLIC_ARM_ENDPOINT = 'https://management.azure.com';

/**
 * The SDK copies an operation's custom headers onto every request of its
 * long-running operation, so our `If-Match` would ride along on the status
 * polls and the final GET, where a stale ETag is expected and means nothing.
 * Only the write itself carries it.
 */
const ifMatchOnWritesOnly: PipelinePolicy = {
  name: 'jitIfMatchOnWritesOnly',
  sendRequest: (request, next) => {
    if (request.method !== 'PUT' && request.method !== 'DELETE' && request.method !== 'PATCH') request.headers.delete('If-Match');
    return next(request);
  },
};

export interface ArmClientOptions {
  credential: TokenCredential;
  endpoint?: string;
  retryOptions?: PipelineRetryOptions;
  /** Extra TLS trust for the ARM endpoint (a private CA in front of it); Mozilla's CAs otherwise. */
  tlsOptions?: TlsSettings;
}

export class ArmClients {
  readonly endpoint: string;
  /** The token audience for `endpoint`: ARM's own resource URI plus `/.default`. */
  readonly scope: string;
  private readonly network_ = new Map<string, NetworkManagementClient>();
  private readonly compute_ = new Map<string, ComputeManagementClient>();
  private readonly security_ = new Map<string, SecurityCenter>();

  constructor(private readonly options: ArmClientOptions) {
    this.endpoint = (options.endpoint ?? PUBLIC_ARM_ENDPOINT).replace(/\/+$/, '');
    this.scope = `${this.endpoint}/.default`;
  }

  get credential(): TokenCredential {
    return this.options.credential;
  }

  // The SDKs are loaded on first use: under tsx (npm start) they cost a bot
  // about 100 MB of memory, which a bot without azure-nsg VMs should not pay
  // (bench/mass-expiry.ts measures the bot's peak RSS).
  async network(subscriptionId: string): Promise<NetworkManagementClient> {
    const { NetworkManagementClient } = await import('@azure/arm-network');
    return cached(this.network_, subscriptionId, () => new NetworkManagementClient(this.options.credential, subscriptionId, this.clientOptions()));
  }

  async compute(subscriptionId: string): Promise<ComputeManagementClient> {
    const { ComputeManagementClient } = await import('@azure/arm-compute');
    return cached(this.compute_, subscriptionId, () => new ComputeManagementClient(this.options.credential, subscriptionId, this.clientOptions()));
  }

  /** Defender for Cloud (Microsoft.Security): its JIT network access policies. */
  async security(subscriptionId: string): Promise<SecurityCenter> {
    const { SecurityCenter } = await import('@azure/arm-security');
    return cached(this.security_, subscriptionId, () => new SecurityCenter(this.options.credential, subscriptionId, this.clientOptions()));
  }

  private clientOptions() {
    return {
      endpoint: this.endpoint,
      credentialScopes: [this.scope],
      retryOptions: this.options.retryOptions,
      tlsOptions: this.options.tlsOptions,
      userAgentOptions: { userAgentPrefix: 'jit-access-bot' },
      additionalPolicies: [{ policy: ifMatchOnWritesOnly, position: 'perCall' as const }],
    };
  }
}

/**
 * `new DefaultAzureCredential()`, with @azure/identity loaded at the first token
 * request rather than at startup (see `network`).
 */
export function defaultAzureCredential(): TokenCredential {
  let credential: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes, options) {
      credential ??= import('@azure/identity').then(({ DefaultAzureCredential }) => new DefaultAzureCredential());
      return (await credential).getToken(scopes, options);
    },
  };
}

function cached<T>(map: Map<string, T>, key: string, make: () => T): T {
  const lower = key.toLowerCase();
  let value = map.get(lower);
  if (!value) {
    value = make();
    map.set(lower, value);
  }
  return value;
}
