// The Azure network-security-group backend: JIT the way Azure's own JIT does it,
// with a deny rule per protected port and an allow rule per granted port placed
// before it, but with a documented name prefix and priority band (see
// README-section.md and rule-layout.ts) and optimistic concurrency on the NSG
// so any number of bots and grants can share one NSG safely.
//
// Resolution (VM → NIC → NSG, private IP) lives in resolver.ts, the rule lists
// in rule-plan.ts, the guarded write in nsg-writer.ts; this class wires them to
// the FirewallBackend contract: all or nothing, idempotent, fail closed.

import type { BackendHealth, FirewallBackend, GrantSpec, OpenRule, ProtectedPort, SeenVm } from '../../ports/firewall.js';
import { isJitError, JitError } from '../../domain/errors.js';
import { describeArmError } from './arm-errors.js';
import { ArmClients } from './clients.js';
import { listSubscription, seenVms, type SubscriptionListing } from './inventory.js';
import { NsgWriter } from './nsg-writer.js';
import { resolveOptions, type AzureNsgBackendOptions, type ResolvedOptions } from './options.js';
import { openRulesIn } from './readback.js';
import { requireVmId, VmNotFoundError, VmResolver, type VmTarget } from './resolver.js';
import { parseVmId, type NsgRef } from './resource-id.js';
import { ALLOW_PREFIX, isAllowRuleName } from './rule-layout.js';
import {
  allowIntents,
  checkOpenable,
  converge,
  convergeDenyRules,
  denyIntent,
  extendGrantRules,
  removeGrantRules,
  shadowingRules,
  type NsgRule,
  type RuleIntent,
} from './rule-plan.js';

const HEALTH_TIMEOUT_MS = 15_000;

const messageOf = (error: unknown) => (isJitError(error) ? error.message : describeArmError(error));

export class AzureNsgBackend implements FirewallBackend {
  readonly name: string;
  private readonly options: ResolvedOptions;
  /** Shared with the azure-firewall backend, which holds one of these for the VMs an NSG guards too. */
  readonly clients: ArmClients;
  readonly resolver: VmResolver;
  private readonly writer: NsgWriter;
  /** VMs of the last protect() (lower-cased id → policy name): list() reads their NSGs. */
  private protectedVms = new Map<string, { vmId: string; vmName: string }>();
  /** VMs seen in open()/close(), so list() still finds a grant's NSG after a policy edit. */
  private readonly grantVms = new Map<string, { vmId: string; vmName: string }>();
  /** Every NSG this backend has touched: list() reads them all, close() searches them when a VM is gone. */
  private readonly knownNsgs = new Map<string, NsgRef>();
  /** NSGs that hold our deny rules: protect() removes stale ones there even after their VMs leave the policy. */
  private denyNsgs = new Map<string, NsgRef>();
  /** The last listings, reused for resolveCacheMs: every App Home opening asks for the inventory. */
  private inventoryCache?: { key: string; at: number; listings: Promise<SubscriptionListing[]> };

  constructor(options: AzureNsgBackendOptions) {
    this.options = resolveOptions(options);
    this.name = this.options.name;
    this.clients = new ArmClients({
      credential: options.credential,
      endpoint: this.options.endpoint,
      retryOptions: options.retryOptions,
      tlsOptions: options.tlsOptions,
    });
    const { nsgScope: scope, clock, resolveCacheMs: ttlMs, timeoutMs, pollIntervalMs, logger } = this.options;
    this.resolver = new VmResolver(this.clients, { scope, clock, ttlMs, timeoutMs });
    this.writer = new NsgWriter(this.clients, { pollIntervalMs, timeoutMs, logger, ...this.options.conflictRetry });
  }

  async protect(ports: ProtectedPort[]): Promise<void> {
    const problems: string[] = [];
    const vms = new Map<string, { vmId: string; vmName: string; ports: ProtectedPort[] }>();
    for (const port of ports) {
      let key: string;
      try {
        key = requireVmId(port.vmId).id.toLowerCase();
      } catch (error) {
        if (!problems.some((p) => p.startsWith(`VM ${port.vmName}:`))) problems.push(`VM ${port.vmName}: ${messageOf(error)}`);
        continue;
      }
      const vm = vms.get(key) ?? { vmId: port.vmId, vmName: port.vmName, ports: [] };
      vm.ports.push(port);
      vms.set(key, vm);
    }
    const wanted = new Map<string, { nsg: NsgRef; intents: Map<string, RuleIntent> }>();
    await Promise.all(
      [...vms.values()].map(async (vm) => {
        try {
          const target = await this.resolver.resolve(vm.vmId);
          const entry = wanted.get(target.nsg.key) ?? { nsg: target.nsg, intents: new Map<string, RuleIntent>() };
          for (const port of vm.ports) {
            const intent = denyIntent({ port: port.port, protocol: port.protocol, vmName: vm.vmName }, target.privateIp);
            entry.intents.set(intent.name, intent);
          }
          wanted.set(target.nsg.key, entry);
        } catch (error) {
          problems.push(`VM ${vm.vmName}: ${messageOf(error)}`);
        }
      }),
    );
    // Fail closed: while any VM cannot be resolved we only add deny rules, never
    // remove one, since the rule that looks stale might be that VM's.
    const removeStale = problems.length === 0;
    const targets = new Map([...wanted].map(([key, entry]) => [key, { nsg: entry.nsg, intents: [...entry.intents.values()] }]));
    if (removeStale) {
      for (const [key, nsg] of this.denyNsgs) if (!targets.has(key)) targets.set(key, { nsg, intents: [] });
    }
    const failed = new Map<string, NsgRef>();
    await Promise.all(
      [...targets.entries()].map(async ([key, { nsg, intents }]) => {
        this.knownNsgs.set(key, nsg);
        const warned = new Set<string>();
        try {
          await this.writer.submit(nsg, {
            label: `protect ${intents.length} port(s)`,
            apply: (rules) => {
              const next = convergeDenyRules(rules, intents, this.options.bands.deny, removeStale);
              this.warnShadowed(nsg, next ?? rules, intents, warned);
              return next;
            },
          });
        } catch (error) {
          failed.set(key, nsg);
          problems.push(`NSG ${nsg.name}: ${messageOf(error)}`);
        }
      }),
    );
    this.protectedVms = new Map([...vms].map(([key, vm]) => [key, { vmId: vm.vmId, vmName: vm.vmName }]));
    const holding = new Map([...targets].filter(([, t]) => t.intents.length > 0).map(([key, t]) => [key, t.nsg]));
    this.denyNsgs = new Map([...(removeStale ? [] : this.denyNsgs), ...holding, ...failed]);
    if (problems.length > 0) throw new JitError('jit_backend_failed', `${this.name} could not protect every port: ${problems.join('; ')}`);
  }

  async open(grant: GrantSpec): Promise<void> {
    checkOpenable(grant);
    const target = await this.target(grant);
    const intents = allowIntents(grant, target.privateIp);
    const what = `${grant.ports.map((p) => `${p.protocol} ${p.number}`).join(', ')} on ${grant.vmName} for request ${grant.requestId}`;
    try {
      await this.writer.submit(target.nsg, { label: `open ${grant.requestId}`, apply: (rules) => converge(rules, intents, this.options.bands.allow) });
    } catch (error) {
      // All or nothing: whatever part of this grant may have landed is taken out again.
      await this.writer
        .submit(target.nsg, { label: `roll back ${grant.requestId}`, apply: (rules) => removeGrantRules(rules, grant.requestId, this.options.bands.allow) })
        .catch((rollback: unknown) =>
          this.options.logger.error(`NSG ${target.nsg.name}: rolling back request ${grant.requestId} failed too: ${messageOf(rollback)}`),
        );
      if (/was not found/.test(messageOf(error))) this.resolver.forget(grant.vmId);
      throw new JitError('jit_backend_failed', `could not open ${what}: ${messageOf(error)}`, { cause: error });
    }
    this.options.logger.info(`NSG ${target.nsg.name}: opened ${what} from ${grant.source}`);
  }

  /**
   * NSG allow rules have no timeout: the bot's own close (timer, sweep) ends
   * them. Extending rewrites each rule's description to the new end, in place
   * and at its priority, in one guarded NSG write, and fails when a rule is
   * missing, so it also proves the grant is still open.
   */
  async extend(grant: GrantSpec): Promise<void> {
    const target = await this.target(grant);
    const intents = allowIntents(grant, target.privateIp);
    try {
      await this.writer.submit(target.nsg, {
        label: `extend ${grant.requestId}`,
        apply: (rules) => extendGrantRules(rules, intents, this.options.bands.allow),
      });
    } catch (error) {
      throw new JitError('jit_backend_failed', `could not extend request ${grant.requestId} on ${grant.vmName}: ${messageOf(error)}`, { cause: error });
    }
    this.options.logger.info(`NSG ${target.nsg.name}: request ${grant.requestId} on ${grant.vmName} now ends ${new Date(grant.endAt).toISOString()}`);
  }

  async close(grant: GrantSpec): Promise<void> {
    let nsgs: NsgRef[];
    try {
      nsgs = [(await this.target(grant)).nsg];
    } catch (error) {
      // The VM is gone but its NSG (and our rule) may not be: clean every NSG we know.
      if (!(error instanceof VmNotFoundError)) throw error;
      nsgs = [...this.knownNsgs.values()];
      // Its private IP may go to the next VM in the subnet, so a leftover allow rule matters: say where to look.
      this.options.logger.error(
        `${messageOf(error)}; removing request ${grant.requestId}'s rules from the ${nsgs.length} NSG(s) this backend knows ` +
          `(${nsgs.map((nsg) => nsg.name).join(', ') || 'none'}); if the VM's NSG is not among them, delete its ${ALLOW_PREFIX}${grant.requestId}-* rules by hand`,
      );
    }
    await Promise.all(
      nsgs.map((nsg) =>
        this.writer.submit(nsg, { label: `close ${grant.requestId}`, apply: (rules) => removeGrantRules(rules, grant.requestId, this.options.bands.allow) }),
      ),
    ).catch((error: unknown) => {
      throw new JitError('jit_backend_failed', `could not close request ${grant.requestId} on ${grant.vmName}: ${messageOf(error)}`, { cause: error });
    });
    this.options.logger.info(`closed request ${grant.requestId} on ${grant.vmName} (NSG ${nsgs.map((nsg) => nsg.name).join(', ')})`);
  }

  async list(): Promise<OpenRule[]> {
    const nsgs = new Map(this.knownNsgs);
    const names = new Map<string, string>();
    const vms = new Map([...this.grantVms, ...this.protectedVms]);
    await Promise.all(
      [...vms.values()].map(async ({ vmId, vmName }) => {
        try {
          const target = await this.resolver.resolve(vmId);
          nsgs.set(target.nsg.key, target.nsg);
          names.set(`${target.nsg.key}|${target.privateIp}`, vmName);
        } catch (error) {
          this.options.logger.warn(`list: VM ${vmName} skipped: ${messageOf(error)}`);
        }
      }),
    );
    const perNsg = await Promise.all(
      [...nsgs.values()].map(async (nsg) => {
        const current = await this.writer.read(nsg);
        return openRulesIn(current.securityRules ?? [], (destination) => names.get(`${nsg.key}|${destination}`));
      }),
    );
    return perNsg.flat();
  }

  /**
   * Every VM in the subscriptions of the VMs this backend protects or has
   * granted on (there is no other scope to list: the policy's VM ids name
   * their subscriptions), with whether an NSG in the configured scope guards it.
   */
  inventory(): Promise<SeenVm[]> {
    return this.listings(this.subscriptions()).then((listings) => seenVms(listings, this.options.nsgScope));
  }

  /** The subscriptions of the VMs this backend protects or has granted on, lower-cased. */
  subscriptions(): string[] {
    return [...new Set([...this.protectedVms.values(), ...this.grantVms.values()].flatMap(({ vmId }) => parseVmId(vmId)?.subscriptionId.toLowerCase() ?? []))];
  }

  /** What every VM of `subscriptions` looks like to Azure, reused for resolveCacheMs. */
  listings(subscriptions: string[]): Promise<SubscriptionListing[]> {
    const sorted = [...new Set(subscriptions.map((id) => id.toLowerCase()))].sort();
    const key = sorted.join(',');
    const now = this.options.clock.now();
    const hit = this.inventoryCache;
    if (hit && hit.key === key && now - hit.at < this.options.resolveCacheMs) return hit.listings;
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    const listings = Promise.all(sorted.map((id) => listSubscription(this.clients, id, signal)));
    this.inventoryCache = { key, at: now, listings };
    // A failed listing is not remembered: the next call asks Azure again.
    listings.catch(() => {
      if (this.inventoryCache?.listings === listings) this.inventoryCache = undefined;
    });
    return listings;
  }

  async health(): Promise<BackendHealth> {
    try {
      const token = await withTimeout(this.clients.credential.getToken(this.clients.scope), 'getting a token');
      if (!token) return { ok: false, detail: `the credential returned no token for ${this.clients.scope}` };
      const nsg = await this.someNsg();
      if (!nsg) return { ok: true, detail: `token for ${this.clients.scope}; no NSG to read yet (no VM uses this backend)` };
      const current = await withTimeout(this.writer.read(nsg), `reading NSG ${nsg.name}`);
      const rules = current.securityRules ?? [];
      const ours = rules.filter((rule) => isAllowRuleName(rule.name)).length;
      return { ok: true, detail: `token for ${this.clients.scope}; NSG ${nsg.name} readable (${rules.length} rules, ${ours} open grant rules)` };
    } catch (error) {
      return { ok: false, detail: messageOf(error) };
    }
  }

  /** Resolves the grant's VM and remembers where it lives. */
  private async target(grant: GrantSpec): Promise<VmTarget> {
    const target = await this.resolver.resolve(grant.vmId);
    this.grantVms.set(target.vmId.toLowerCase(), { vmId: grant.vmId, vmName: grant.vmName });
    this.knownNsgs.set(target.nsg.key, target.nsg);
    return target;
  }

  private async someNsg(): Promise<NsgRef | undefined> {
    const known = this.knownNsgs.values().next();
    if (!known.done) return known.value;
    const vm = this.protectedVms.values().next();
    return vm.done ? undefined : (await this.resolver.resolve(vm.value.vmId)).nsg;
  }

  private warnShadowed(nsg: NsgRef, rules: NsgRule[], intents: RuleIntent[], warned: Set<string>): void {
    for (const intent of intents) {
      const placed = rules.find((rule) => rule.name?.toLowerCase() === intent.name.toLowerCase());
      if (placed?.priority === undefined) continue;
      const shadows = shadowingRules(rules, { ...intent, priority: placed.priority });
      const line = `NSG ${nsg.name}: ${shadows.join(', ')} allow ${intent.protocol} ${intent.port} to ${intent.destination} before ${intent.name}; JIT cannot keep that port closed while they do`;
      if (shadows.length > 0 && !warned.has(line)) {
        warned.add(line);
        this.options.logger.warn(line);
      }
    }
  }
}

async function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${HEALTH_TIMEOUT_MS / 1000} s`)), HEALTH_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
