// Maps backend names to instances and VMs to their backend. Built once in main.ts.

import { JitError } from '../domain/errors.js';
import type { Policy, VmPolicy } from '../domain/types.js';
import type { FirewallBackend, ProtectedPort } from '../ports/firewall.js';

export class BackendRegistry {
  private readonly backendsByName = new Map<string, FirewallBackend>();

  constructor(
    backends: FirewallBackend[],
    private readonly defaultName: string,
  ) {
    for (const backend of backends) this.backendsByName.set(backend.name, backend);
    if (!this.backendsByName.has(defaultName)) {
      throw new JitError('jit_config_invalid', `JIT_BACKEND names \`${defaultName}\`, which is not configured: use one of ${this.names().join(', ')}`);
    }
  }

  names(): string[] {
    return [...this.backendsByName.keys()];
  }

  all(): FirewallBackend[] {
    return [...this.backendsByName.values()];
  }

  /** A backend by name; throws when it is not configured (a close must then be retried, never dropped). */
  byName(name: string): FirewallBackend {
    const backend = this.backendsByName.get(name);
    if (!backend) throw new JitError('jit_backend_failed', `backend \`${name}\` is not configured (available: ${this.names().join(', ')})`);
    return backend;
  }

  find(name: string | undefined): FirewallBackend | undefined {
    return name === undefined ? undefined : this.backendsByName.get(name);
  }

  /** The VM's own backend, or the default; throws when the policy names one that does not exist. */
  forVm(vm: Pick<VmPolicy, 'name' | 'backend'>): FirewallBackend {
    const name = vm.backend ?? this.defaultName;
    const backend = this.backendsByName.get(name);
    if (!backend) {
      throw new JitError(
        'jit_backend_failed',
        `VM ${vm.name} names backend \`${name}\`, which is not running (running: ${this.names().join(', ')}); backends start with the bot, so restart it after adding one`,
      );
    }
    return backend;
  }

  /**
   * Tells every backend which ports the policy wants closed on it. A backend no
   * VM uses any more is told "none", so it drops its deny rules too.
   */
  async protectAll(policy: Policy): Promise<void> {
    const byBackend = new Map<string, ProtectedPort[]>(this.names().map((name) => [name, []]));
    for (const vm of policy.vms) {
      const ports = byBackend.get(this.forVm(vm).name)!;
      for (const port of vm.ports) {
        ports.push({ vmId: vm.id, vmName: vm.name, address: vm.address ?? vm.name, port: port.number, protocol: port.protocol });
      }
    }
    for (const [name, ports] of byBackend) {
      try {
        await this.byName(name).protect(ports);
      } catch (error) {
        throw new JitError('jit_backend_failed', `backend ${name} could not install its deny rules: ${(error as Error).message}`, { cause: error });
      }
    }
  }
}
