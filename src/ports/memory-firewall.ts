// The in-memory backend: the honest twin of a real firewall for tests and demos.
// It opens nothing on the network; it remembers what would be open, and can be
// told to fail so the workflow's failure paths are exercised for real. Its
// inventory is whatever VMs it was told it "sees" (none by default), so tests
// can fill the App Home's Not configured and Unsupported groups.

import type { BackendHealth, FirewallBackend, GrantSpec, OpenRule, ProtectedPort, SeenVm, VmInventory } from './firewall.js';

type Operation = 'protect' | 'open' | 'close' | 'extend' | 'list' | 'health' | 'inventory';

export interface MemoryBackendOptions {
  /** VMs inventory() reports; default none (the policy's VMs are not added). */
  seen?: SeenVm[];
}

export class MemoryBackend implements FirewallBackend, VmInventory {
  readonly name: string;
  private readonly open_ = new Map<string, GrantSpec>();
  private readonly failures = new Map<Operation, { message: string; remaining: number }>();
  /** Every call in order, for tests that assert what was asked of the firewall. */
  readonly calls: { op: Operation; requestId?: string }[] = [];

  /** What inventory() reports; replace it to change what the backend "sees". */
  seen: SeenVm[];

  constructor(name = 'memory', options: MemoryBackendOptions = {}) {
    this.name = name;
    this.seen = structuredClone(options.seen ?? []);
  }

  /** The next `times` calls of `op` throw `message`. */
  failNext(op: Operation, message: string, times = 1): void {
    this.failures.set(op, { message, remaining: times });
  }

  /** The ports declared by the last protect() call. */
  protectedPorts: ProtectedPort[] = [];

  async protect(ports: ProtectedPort[]): Promise<void> {
    this.record('protect');
    this.protectedPorts = structuredClone(ports);
  }

  async open(grant: GrantSpec): Promise<void> {
    this.record('open', grant.requestId);
    this.open_.set(grant.requestId, structuredClone(grant));
  }

  async close(grant: GrantSpec): Promise<void> {
    this.record('close', grant.requestId);
    this.open_.delete(grant.requestId);
  }

  async extend(grant: GrantSpec): Promise<void> {
    this.record('extend', grant.requestId);
    const held = this.open_.get(grant.requestId);
    // Like a real firewall whose rule expired or was closed: nothing to extend.
    if (!held) throw new Error(`grant ${grant.requestId} is not open`);
    held.endAt = grant.endAt;
  }

  /** The end the backend holds for an open grant (test convenience). */
  endOf(requestId: string): number | undefined {
    return this.open_.get(requestId)?.endAt;
  }

  async list(): Promise<OpenRule[]> {
    this.record('list');
    return [...this.open_.values()].flatMap((grant) =>
      grant.ports.map((port) => ({
        requestId: grant.requestId,
        vmName: grant.vmName,
        port: port.number,
        protocol: port.protocol,
        source: grant.source,
        endAt: grant.endAt,
      })),
    );
  }

  async inventory(): Promise<SeenVm[]> {
    this.record('inventory');
    return structuredClone(this.seen);
  }

  async health(): Promise<BackendHealth> {
    try {
      this.record('health');
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: (error as Error).message };
    }
  }

  /** True when the backend holds an allow rule for this request (test convenience). */
  isOpen(requestId: string): boolean {
    return this.open_.has(requestId);
  }

  private record(op: Operation, requestId?: string): void {
    this.calls.push({ op, requestId });
    const failure = this.failures.get(op);
    if (!failure) return;
    failure.remaining -= 1;
    if (failure.remaining <= 0) this.failures.delete(op);
    throw new Error(failure.message);
  }
}
