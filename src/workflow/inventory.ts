// Use case: the VM inventory (App Home, `/jit vms`). Read-only, so it fails
// soft: a backend that cannot list its VMs, or takes too long, becomes one
// line in the result and the rest is still shown.

import { APPROVED_STATES, buildInventory, type Inventory, type Sighting } from '../domain/inventory.js';
import { type FirewallBackend, hasInventory, type VmInventory } from '../ports/firewall.js';
import type { WorkflowContext } from './context.js';

/** How long one backend may take to list its VMs before the view is shown without them. */
export const INVENTORY_TIMEOUT_MS = 10_000;

export async function readInventory(ctx: WorkflowContext, timeoutMs = INVENTORY_TIMEOUT_MS): Promise<Inventory> {
  const listing = ctx.backends.all().filter(hasInventory);
  const sightings = await Promise.all(listing.map((backend) => sight(ctx, backend, timeoutMs)));
  const policy = ctx.policy();
  return buildInventory({
    vms: policy.vms,
    backendOf: (vm) => {
      try {
        return ctx.backends.forVm(vm).name;
      } catch {
        // Refused at startup and on reload, so only a policy edited under our feet gets here.
        return vm.backend ?? 'unknown';
      }
    },
    // The store has no time filter: every approved request ever is read, and the
    // 7-day window is applied in memory. A `createdSince` filter on
    // RequestFilter would make this cheaper on a large history.
    requests: await ctx.store.listRequests({ states: [...APPROVED_STATES] }),
    sightings,
    now: ctx.clock.now(),
  });
}

async function sight(ctx: WorkflowContext, backend: FirewallBackend & VmInventory, timeoutMs: number): Promise<Sighting> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    const limit = timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`;
    timer = setTimeout(() => reject(new Error(`it did not answer within ${limit}`)), timeoutMs);
  });
  try {
    return { backend: backend.name, ok: true, vms: await Promise.race([backend.inventory(), timeout]) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    ctx.logger.warn(`inventory: backend ${backend.name} could not list its VMs: ${message}`);
    return { backend: backend.name, ok: false, error: message };
  } finally {
    clearTimeout(timer);
  }
}
