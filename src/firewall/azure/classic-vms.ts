// Classic (Azure Service Manager) VMs, which Azure's JIT lists as unsupported:
// the SDKs we use have no client for Microsoft.ClassicCompute, so one raw ARM
// GET goes through the Network client's pipeline (its token, retries, TLS
// trust and endpoint). A subscription where the classic provider is not
// registered answers 404 or 400: that means it has none. An identity that may
// not read classic VMs (403, as the documented least-privilege role) sees
// none either: they could never be guarded, so the listing is only
// informative and must not cost the Home its whole inventory.

import { describeArmError } from './arm-errors.js';
import type { ArmClients } from './clients.js';

/** The newest api-version Microsoft.ClassicCompute/virtualMachines accepts. */
export const CLASSIC_API_VERSION = '2017-04-01';

export const CLASSIC_REASON =
  'it is a classic VM (Azure Service Manager): just-in-time access supports only VMs deployed through Azure Resource Manager; migrate it to Resource Manager';

export interface ClassicVm {
  id: string;
  name: string;
}

/** Every classic VM of the subscription; throws a sentence naming the subscription when ARM refuses otherwise. */
export async function listClassicVms(clients: ArmClients, subscriptionId: string, signal: AbortSignal): Promise<ClassicVm[]> {
  const [network, { createPipelineRequest }] = await Promise.all([clients.network(subscriptionId), import('@azure/core-rest-pipeline')]);
  const vms: ClassicVm[] = [];
  let url: string | undefined =
    `${clients.endpoint}/subscriptions/${encodeURIComponent(subscriptionId)}/providers/Microsoft.ClassicCompute/virtualMachines?api-version=${CLASSIC_API_VERSION}`;
  while (url) {
    const failed = (why: string, cause?: unknown) =>
      new Error(`listing the classic virtual machines of subscription ${subscriptionId} failed: ${why}`, cause === undefined ? undefined : { cause });
    const response = await network.sendRequest(createPipelineRequest({ url, method: 'GET', abortSignal: signal })).catch((error: unknown) => {
      throw failed(describeArmError(error), error);
    });
    if (response.status === 404 || response.status === 400 || response.status === 403) return vms;
    let body: { value?: { id?: unknown; name?: unknown }[]; nextLink?: unknown; error?: { code?: string; message?: string } };
    try {
      body = JSON.parse(response.bodyAsText || '{}');
    } catch {
      throw failed(`HTTP ${response.status} with a body that is not JSON`);
    }
    if (response.status >= 300) throw failed(`HTTP ${response.status} ${body.error?.code ?? ''}: ${body.error?.message ?? 'no message'}`);
    for (const item of body.value ?? []) if (typeof item.id === 'string' && typeof item.name === 'string') vms.push({ id: item.id, name: item.name });
    url = typeof body.nextLink === 'string' ? body.nextLink : undefined;
  }
  return vms;
}
