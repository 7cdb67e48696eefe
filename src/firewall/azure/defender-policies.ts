// Reads Defender for Cloud's JIT network access policies
// (Microsoft.Security/locations/jitNetworkAccessPolicies) of a subscription or
// one resource group through the official SDK, and hands them back in ARM's
// wire form, the form a policy file holds (the SDK flattens `properties`).
// A failure becomes one sentence that says what to check: the credential, the
// role, the URL, the endpoint. The SDK's own retry policy handles 429/5xx.

import type { JitNetworkAccessPolicy, JitNetworkAccessPortRule } from '@azure/arm-security';
import { armStatus, describeArmError } from './arm-errors.js';
import type { ArmClients } from './clients.js';

export interface DefenderScope {
  subscriptionId: string;
  resourceGroup?: string;
}

/** The read permission the bot's identity needs at the scope (Security Reader has it). */
export const DEFENDER_READ_ACTION = 'Microsoft.Security/locations/jitNetworkAccessPolicies/read';

/** Reading Defender for Cloud failed; the message says what to check. */
export class DefenderReadError extends Error {
  override readonly name = 'DefenderReadError';
}

/** Every JIT policy at the scope (all pages), as ARM writes them: `{id, name, type, location, kind, properties: {virtualMachines}}`. */
export async function listDefenderPolicies(clients: ArmClients, scope: DefenderScope): Promise<Record<string, unknown>[]> {
  try {
    const policies = (await clients.security(scope.subscriptionId)).jitNetworkAccessPolicies;
    const pages = scope.resourceGroup === undefined ? policies.list() : policies.listByResourceGroup(scope.resourceGroup);
    const out: Record<string, unknown>[] = [];
    for await (const policy of pages) out.push(toWire(policy));
    return out;
  } catch (error) {
    throw new DefenderReadError(explain(error, scope, clients.endpoint), { cause: error });
  }
}

function toWire(policy: JitNetworkAccessPolicy): Record<string, unknown> {
  const defined = (entries: Record<string, unknown>) => Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));
  return defined({
    id: policy.id,
    name: policy.name,
    type: policy.type,
    location: policy.location,
    kind: policy.kind,
    properties: {
      virtualMachines: (policy.virtualMachines ?? []).map((vm) =>
        defined({ id: vm.id, ports: (vm.ports ?? []).map((port: JitNetworkAccessPortRule) => defined({ ...port })), publicIpAddress: vm.publicIpAddress }),
      ),
    },
  });
}

function explain(error: unknown, scope: DefenderScope, endpoint: string): string {
  const where =
    scope.resourceGroup === undefined
      ? `subscription ${scope.subscriptionId}`
      : `resource group ${scope.resourceGroup} of subscription ${scope.subscriptionId}`;
  const status = armStatus(error);
  const detail = describeArmError(error);
  const name = error instanceof Error ? error.name : '';
  if (name === 'CredentialUnavailableError' || name === 'AuthenticationError' || name === 'AggregateAuthenticationError')
    return `no Azure credential for the bot (${detail}): give it a managed identity, set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET, or sign in with az login`;
  if (status === 401)
    return `Azure refused the bot's credential (${detail}): check the identity DefaultAzureCredential uses (managed identity, AZURE_CLIENT_* or az login) and that it belongs to the subscription's tenant`;
  if (status === 403)
    return `the bot's Azure identity may not read Defender for Cloud's JIT policies in ${where} (${detail}): grant it ${DEFENDER_READ_ACTION} there, for example with the Security Reader role`;
  if (status === 404)
    return `${where} was not found (${detail}): check the subscription id and resource group in JIT_POLICY, and that the identity can see them`;
  if (status === undefined && name === 'RestError') return `cannot reach Azure at ${endpoint} (${detail}): check the network and AZURE_ARM_ENDPOINT`;
  return `reading Defender for Cloud's JIT policies in ${where} failed (${detail}): check the bot's Azure credential, that it holds ${DEFENDER_READ_ACTION} there, and the URL`;
}
