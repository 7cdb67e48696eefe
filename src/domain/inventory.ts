// The VM inventory behind the App Home and `/jit vms`, modelled on Azure JIT's
// three tabs: Configured (with per-VM activity), Not configured (a backend can
// see it, the policy does not cover it) and Unsupported (with the reason).
// Pure: the caller reads the policy, the store and the backends, and passes
// the time in.

import { matchGlob } from './glob.js';
import type { AccessRequest, PortPolicy, RequestState, RequestedPort, VmPolicy } from './types.js';

/** What stands between a VM and the internet, as an Azure backend finds it: its NSG, an Azure Firewall, or both. */
export type Guard = 'nsg' | 'firewall' | 'both';

/**
 * A VM a firewall backend can see (with its OS and guard when the backend
 * knows them), and whether that backend could guard it.
 */
export type SeenVm = { id: string; name: string; os?: 'linux' | 'windows'; guard?: Guard } & (
  | { support: 'supported' }
  | { support: 'unsupported'; reason: string }
);

/** What one backend answered when asked which VMs it can see. */
export type Sighting = { backend: string; ok: true; vms: SeenVm[] } | { backend: string; ok: false; error: string };

export interface ActiveGrant {
  id: string;
  requester: string;
  ports: RequestedPort[];
  endAt?: number;
}

export interface ConfiguredVm {
  id: string;
  name: string;
  backend: string;
  ports: PortPolicy[];
  /** Requests created in the last STATS_WINDOW_MS that were approved (by a person or a rule). */
  approvedRecently: number;
  /** The most recent grant that opened: when, and for whom. */
  lastAccess?: { at: number; user: string };
  /** Grants open right now, soonest end first. */
  activeGrants: ActiveGrant[];
  /** The backend sees the VM but says it cannot guard it: requests for it will fail to open. */
  problem?: string;
  /** What its backend opens for a grant (an Azure backend says: NSG, firewall, both). */
  guard?: Guard;
}

export interface NotConfiguredVm {
  id: string;
  name: string;
  backend: string;
  /** Enabling JIT proposes this OS's default ports. */
  os?: 'linux' | 'windows';
  guard?: Guard;
}

export interface UnsupportedVm extends NotConfiguredVm {
  reason: string;
}

export interface Inventory {
  configured: ConfiguredVm[];
  notConfigured: NotConfiguredVm[];
  unsupported: UnsupportedVm[];
  /** Backends whose listing failed: the rest of the inventory is still shown. */
  failures: { backend: string; error: string }[];
}

/** Azure's "approved requests in the last 7 days". */
export const STATS_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/** States a request reaches only after it was approved. */
export const APPROVED_STATES: readonly RequestState[] = ['approved', 'active', 'closing', 'closed', 'failed'];

export interface InventoryInput {
  vms: readonly VmPolicy[];
  /** The backend a policy VM uses (its own, or JIT_BACKEND). */
  backendOf: (vm: VmPolicy) => string;
  /** Requests in APPROVED_STATES (others are ignored). */
  requests: readonly AccessRequest[];
  sightings: readonly Sighting[];
  now: number;
}

export function buildInventory(input: InventoryInput): Inventory {
  const stats = statsByVm(input.requests, input.now);
  // Azure resource ids are case-insensitive; a VM seen by two backends (the
  // NSG and the firewall backend list one subscription alike) counts once.
  const seen = new Map<string, Seen[]>();
  const failures: Inventory['failures'] = [];
  for (const sighting of input.sightings) {
    if (!sighting.ok) {
      failures.push({ backend: sighting.backend, error: sighting.error });
      continue;
    }
    for (const vm of sighting.vms) seen.set(key(vm.id), [...(seen.get(key(vm.id)) ?? []), { ...vm, backend: sighting.backend }]);
  }

  const configured = input.vms.map((vm): ConfiguredVm => {
    const backend = input.backendOf(vm);
    // What the VM's own backend says about it; another backend's view of it is not what a grant meets.
    const sighted = seen.get(key(vm.id))?.find((one) => one.backend === backend);
    seen.delete(key(vm.id));
    const vmStats = stats.get(vm.name.toLowerCase());
    return {
      id: vm.id,
      name: vm.name,
      backend,
      ports: vm.ports,
      approvedRecently: vmStats?.approvedRecently ?? 0,
      ...(vmStats?.lastAccess ? { lastAccess: vmStats.lastAccess } : {}),
      activeGrants: vmStats?.activeGrants ?? [],
      ...(sighted?.support === 'unsupported' ? { problem: sighted.reason } : {}),
      ...(sighted?.guard ? { guard: sighted.guard } : {}),
    };
  });

  // A VM outside the policy: the first backend that could guard it, else the first that saw it (with its reason).
  const rest = [...seen.values()]
    .map((views) => views.find((one) => one.support === 'supported') ?? views[0]!)
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return {
    configured,
    notConfigured: rest
      .filter((vm) => vm.support === 'supported')
      .map(({ id, name, backend, os, guard }) => ({ id, name, backend, ...(os ? { os } : {}), ...(guard ? { guard } : {}) })),
    unsupported: rest.flatMap((vm) => (vm.support === 'unsupported' ? [{ id: vm.id, name: vm.name, backend: vm.backend, reason: vm.reason }] : [])),
    failures,
  };
}

type Seen = SeenVm & { backend: string };

/** Only the VMs whose name matches `glob` (case-insensitive, `*` and `?`); failures are kept. */
export function filterInventory(inventory: Inventory, glob: string): Inventory {
  const keep = (vm: { name: string }) => matchGlob(glob, vm.name);
  return {
    configured: inventory.configured.filter(keep),
    notConfigured: inventory.notConfigured.filter(keep),
    unsupported: inventory.unsupported.filter(keep),
    failures: inventory.failures,
  };
}

interface VmStats {
  approvedRecently: number;
  lastAccess?: { at: number; user: string };
  activeGrants: ActiveGrant[];
}

/** Keyed by lower-cased VM name, the way requests name their VM. */
function statsByVm(requests: readonly AccessRequest[], now: number): Map<string, VmStats> {
  const stats = new Map<string, VmStats>();
  for (const request of requests) {
    // An extension opens nothing of its own: its original already counts.
    if (request.kind === 'extension' || !APPROVED_STATES.includes(request.state)) continue;
    const name = request.vm.toLowerCase();
    const entry = stats.get(name) ?? { approvedRecently: 0, activeGrants: [] };
    stats.set(name, entry);
    if (request.createdAt > now - STATS_WINDOW_MS) entry.approvedRecently += 1;
    if (request.startAt !== undefined && (!entry.lastAccess || request.startAt > entry.lastAccess.at)) {
      entry.lastAccess = { at: request.startAt, user: request.requester };
    }
    if (request.state === 'active') {
      entry.activeGrants.push({
        id: request.id,
        requester: request.requester,
        ports: request.ports,
        ...(request.endAt === undefined ? {} : { endAt: request.endAt }),
      });
    }
  }
  for (const entry of stats.values()) entry.activeGrants.sort((a, b) => (a.endAt ?? Infinity) - (b.endAt ?? Infinity));
  return stats;
}

function key(id: string): string {
  return id.toLowerCase();
}
