// The firewall port (STYLE.md §2): four methods, honest about failure.
// `open` and `close` either succeed completely or throw; a backend never reports
// success for a rule it did not apply. Both are idempotent: opening what is open
// (same request, same end) or closing what is closed succeeds.

import type { RequestedPort } from '../domain/types.js';

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
  /** Opens every port of the grant, or none of them, then resolves. */
  open(grant: GrantSpec): Promise<void>;
  /** Closes every port of the grant; resolves only once the backend confirms. */
  close(grant: GrantSpec): Promise<void>;
  /** What is open right now, read back from the backend (not from memory of calls). */
  list(): Promise<OpenRule[]>;
  health(): Promise<BackendHealth>;
}
