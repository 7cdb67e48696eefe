// The firewall port (STYLE.md §2): the operations every backend has, honest
// about failure.
// `open`, `close` and `extend` either succeed completely or throw; a backend
// never reports success for a rule it did not apply. All are idempotent: opening
// what is open (same request, same end), closing what is closed, or extending
// to the end a grant already has succeeds.

import type { SeenVm } from '../domain/inventory.js';
import type { Endpoint, Protocol, RequestedPort } from '../domain/types.js';

export type { Endpoint, SeenVm };

/** A port JIT manages: closed to every source unless a grant allows one. */
export interface ProtectedPort {
  vmId: string;
  vmName: string;
  /** The VM's address from the policy (or its name when none is given). */
  address: string;
  port: number;
  protocol: Protocol;
}

export interface GrantSpec {
  requestId: string;
  vmId: string;
  vmName: string;
  /** The VM's address from the policy (or its name when none is given). */
  address: string;
  ports: RequestedPort[];
  /** Normalised CIDR or `*`. */
  source: string;
  /** Epoch ms; backends with their own expiry (nftables timeouts) enforce it. */
  endAt: number;
}

/** What a backend that translates addresses reports from open(). */
export interface OpenedGrant {
  /** One per granted port, in the grant's order. */
  endpoints: Endpoint[];
}

/** One allow rule the backend reports as live right now. */
export interface OpenRule {
  requestId: string;
  vmName: string;
  port: number;
  protocol: RequestedPort['protocol'];
  source: string;
  /** Epoch ms when the backend itself will drop the rule, if it knows. */
  endAt?: number;
}

export interface BackendHealth {
  ok: boolean;
  detail?: string;
}

export interface FirewallBackend {
  readonly name: string;
  /**
   * Declares every port this backend must keep closed (called at startup and on
   * each policy reload, with the policy's VMs that use this backend). The
   * backend converges its deny rules to exactly this set; it never removes or
   * shortens an allow rule of a running grant.
   */
  protect(ports: ProtectedPort[]): Promise<void>;
  /**
   * Opens every port of the grant, or none of them, then resolves. A backend
   * that puts the grant behind another address (a firewall's DNAT) resolves
   * with where to connect; the requester's DM and `/jit list` show it.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: most backends open the VM's own address and return nothing.
  open(grant: GrantSpec): Promise<OpenedGrant | void>;
  /** Closes every port of the grant; resolves only once the backend confirms. */
  close(grant: GrantSpec): Promise<void>;
  /**
   * Moves the end of a grant that is open right now to `grant.endAt` (the new
   * end), on every port or none. Never opens: when the grant is not (or no
   * longer) fully open on the backend it throws, so an extension can never
   * bring back a grant that expired or was closed meanwhile.
   */
  extend(grant: GrantSpec): Promise<void>;
  /** What is open right now, read back from the backend (not from memory of calls). */
  list(): Promise<OpenRule[]>;
  health(): Promise<BackendHealth>;
}

/**
 * An optional capability beside the port: every VM the backend can see, whether
 * or not the policy covers it, each with whether the backend could guard it
 * (and why not). Read-only; the App Home and `/jit vms` show it. A backend that
 * sees nothing beyond the policy (nftables guards its own host) has none.
 */
export interface VmInventory {
  inventory(): Promise<SeenVm[]>;
}

export function hasInventory(backend: FirewallBackend): backend is FirewallBackend & VmInventory {
  return typeof (backend as Partial<VmInventory>).inventory === 'function';
}

/**
 * A capability beside the firewall port: the backend's rules carry each
 * grant's end and drop themselves at it (nftables element timeouts), so at a
 * grant's end its port is shut whatever the bot does, and the expiry is the
 * backend's to confirm, not to carry out (workflow/grant.ts, confirmExpiry).
 */
export interface ClosesAtEnd {
  readonly closesAtEnd: true;
}

export function closesAtEnd(backend: FirewallBackend): backend is FirewallBackend & ClosesAtEnd {
  return (backend as Partial<ClosesAtEnd>).closesAtEnd === true;
}
