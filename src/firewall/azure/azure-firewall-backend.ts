// The Azure Firewall backend: JIT the way Azure's own JIT does it for VMs
// behind an Azure Firewall. A grant becomes one DNAT rule per port in a rule
// collection group the bot owns in the firewall's policy (dnat-plan.ts), and
// the requester is told where to connect: the firewall's public IP and the
// public port mapped to the VM's port. Where an NSG in scope guards the VM
// too, its allow and deny rules are kept as azure-nsg keeps them, by an
// AzureNsgBackend this one holds, except that the allow rule admits the
// firewall's subnet (DNAT'd traffic comes from there; the DNAT rule is what
// checks the requester's address); both open or neither does.
//
// The firewall itself denies what no DNAT rule admits, so protect() has no
// deny rule to write there: it makes sure the group exists at its priority.

import { isJitError, JitError } from '../../domain/errors.js';
import type { BackendHealth, FirewallBackend, GrantSpec, OpenedGrant, OpenRule, ProtectedPort, SeenVm } from '../../ports/firewall.js';
import { describeArmError } from './arm-errors.js';
import { AzureNsgBackend } from './azure-nsg-backend.js';
import { dnatIntents, type DnatSettings, ensureGroup, extendDnat, natRules, openDnat, publicPortsOf, removeDnat } from './dnat-plan.js';
import { type AzureFirewallBackendOptions, type FirewallSettings, resolveFirewallSettings } from './firewall-options.js';
import { FirewallResolver, type FirewallTarget, FirewallUnsupportedError } from './firewall-target.js';
import { firewallSeenVms } from './inventory.js';
import { type ResolvedOptions, resolveOptions } from './options.js';
import { RcgWriter } from './rcg-writer.js';
import { openDnatRulesIn } from './readback.js';
import { requireVmId, VmNotFoundError, type VmNetwork } from './resolver.js';
import { parseVmId } from './resource-id.js';
import { checkOpenable } from './rule-plan.js';

const messageOf = (error: unknown) => (isJitError(error) ? error.message : describeArmError(error));

/**
 * The grant as the VM's NSG must see it: DNAT'd traffic arrives from the
 * firewall's subnet, not from the requester (whose address the DNAT rule
 * checks), so the NSG allow rule admits that subnet, to that VM and port only.
 */
function behind(grant: GrantSpec, fw: FirewallTarget): GrantSpec {
  return { ...grant, source: fw.translatedSource };
}

/** Waits for every step, then throws the first failure: both halves of a grant are always attempted. */
async function settleAll(steps: (Promise<unknown> | undefined)[]): Promise<void> {
  const results = await Promise.allSettled(steps);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}

export class AzureFirewallBackend implements FirewallBackend {
  readonly name: string;
  private readonly options: ResolvedOptions;
  private readonly settings: FirewallSettings;
  /** The NSG half: rules for VMs an NSG in scope guards too. */
  private readonly nsg: AzureNsgBackend;
  private readonly firewall: FirewallResolver;
  private readonly writer: RcgWriter;
  /** Every VM seen in protect/open/close (lower-cased id): list() names DNAT targets by them, inventory() lists their subscriptions. */
  private readonly vms = new Map<string, { vmId: string; vmName: string }>();

  constructor(options: AzureFirewallBackendOptions) {
    const name = options.name ?? 'azure-firewall';
    this.options = resolveOptions({ ...options, name });
    this.settings = resolveFirewallSettings(options);
    this.name = name;
    this.nsg = new AzureNsgBackend({ ...options, name });
    const { clock, resolveCacheMs: ttlMs, timeoutMs, pollIntervalMs, logger } = this.options;
    this.firewall = new FirewallResolver(this.nsg.clients, this.settings.firewall, { clock, ttlMs, timeoutMs });
    this.writer = new RcgWriter(this.nsg.clients, { pollIntervalMs, timeoutMs, logger, ...this.options.conflictRetry });
  }

  async protect(ports: ProtectedPort[]): Promise<void> {
    const problems: string[] = [];
    const byVm = new Map<string, ProtectedPort[]>();
    for (const port of ports) {
      const key = parseVmId(port.vmId)?.id.toLowerCase() ?? port.vmId;
      byVm.set(key, [...(byVm.get(key) ?? []), port]);
    }
    // Ports of VMs an NSG guards go to the NSG half; so do those of VMs that
    // cannot be resolved now, so it keeps their deny rules (fail closed) and
    // says why.
    const nsgPorts: ProtectedPort[] = [];
    await Promise.all(
      [...byVm.values()].map(async (vmPorts) => {
        const network = await this.network(vmPorts[0]!).catch(() => undefined);
        if (!network || network.nsg) nsgPorts.push(...vmPorts);
      }),
    );
    const nsgDone = this.nsg.protect(nsgPorts).catch((error: unknown) => {
      problems.push(messageOf(error).replace(`${this.name} could not protect every port: `, ''));
    });
    const groupDone =
      ports.length === 0
        ? undefined
        : this.firewall
            .resolve()
            .then((fw) =>
              this.writer.submit(fw.policy, this.settings.group, { label: 'protect', apply: (rules) => ensureGroup(rules, this.groupSettings(fw)) }),
            )
            .catch((error: unknown) => {
              problems.push(messageOf(error));
            });
    await Promise.all([nsgDone, groupDone]);
    if (problems.length > 0) throw new JitError('jit_backend_failed', `${this.name} could not protect every port: ${problems.join('; ')}`);
  }

  async open(grant: GrantSpec): Promise<OpenedGrant> {
    checkOpenable(grant);
    const [network, fw] = await Promise.all([this.network(grant), this.firewall.resolve()]);
    const intents = dnatIntents(grant, network.privateIp);
    const what = `${grant.ports.map((p) => `${p.protocol} ${p.number}`).join(', ')} on ${grant.vmName} for request ${grant.requestId}`;
    let hostPorts: (number | undefined)[] = [];
    const dnat = this.writer.submit(fw.policy, this.settings.group, {
      label: `open ${grant.requestId}`,
      apply: (rules) => {
        const next = openDnat(rules, intents, this.dnatSettings(fw));
        hostPorts = publicPortsOf((next ?? rules).group, intents, fw.publicIp);
        return next;
      },
    });
    const nsg = network.nsg ? this.nsg.open(behind(grant, fw)) : undefined;
    const [dnatResult, nsgResult] = await Promise.allSettled([dnat, nsg]);
    const failure = [dnatResult, nsgResult].find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) {
      // All or nothing: whatever half landed is taken out again (a failed NSG open has rolled itself back).
      await settleAll([
        this.writer.submit(fw.policy, this.settings.group, {
          label: `roll back ${grant.requestId}`,
          apply: (rules) => removeDnat(rules, grant.requestId, this.groupSettings(fw)),
        }),
        network.nsg && nsgResult.status === 'fulfilled' ? this.nsg.close(behind(grant, fw)) : undefined,
      ]).catch((rollback: unknown) => this.options.logger.error(`rolling back request ${grant.requestId} failed too: ${messageOf(rollback)}`));
      throw new JitError('jit_backend_failed', `could not open ${what}: ${messageOf(failure.reason)}`, { cause: failure.reason });
    }
    const endpoints = grant.ports.map((port, i) => ({ port: port.number, protocol: port.protocol, host: fw.publicIp, hostPort: hostPorts[i]! }));
    this.options.logger.info(
      `Azure Firewall ${fw.name}: opened ${what} from ${grant.source} at ${endpoints.map((e) => `${e.host}:${e.hostPort}`).join(', ')}${network.nsg ? ` and in NSG ${network.nsg.name}` : ''}`,
    );
    return { endpoints };
  }

  /** DNAT rules have no expiry: the description carries the end, rewritten in place, and a missing rule fails the extension. */
  async extend(grant: GrantSpec): Promise<void> {
    const [network, fw] = await Promise.all([this.network(grant), this.firewall.resolve()]);
    const intents = dnatIntents(grant, network.privateIp);
    await settleAll([
      this.writer.submit(fw.policy, this.settings.group, {
        label: `extend ${grant.requestId}`,
        apply: (rules) => extendDnat(rules, intents, this.dnatSettings(fw)),
      }),
      network.nsg ? this.nsg.extend(behind(grant, fw)) : undefined,
    ]).catch((error: unknown) => {
      throw new JitError('jit_backend_failed', `could not extend request ${grant.requestId} on ${grant.vmName}: ${messageOf(error)}`, { cause: error });
    });
    this.options.logger.info(`Azure Firewall ${fw.name}: request ${grant.requestId} on ${grant.vmName} now ends ${new Date(grant.endAt).toISOString()}`);
  }

  async close(grant: GrantSpec): Promise<void> {
    // A VM that is gone still has our DNAT rules (by request id) and maybe NSG rules: the NSG half cleans every NSG it knows.
    const network = await this.network(grant).catch((error: unknown) => {
      if (error instanceof VmNotFoundError) return undefined;
      throw error;
    });
    const fw = await this.firewall.resolve();
    await settleAll([
      this.writer.submit(fw.policy, this.settings.group, {
        label: `close ${grant.requestId}`,
        apply: (rules) => removeDnat(rules, grant.requestId, this.groupSettings(fw)),
      }),
      !network || network.nsg ? this.nsg.close(grant) : undefined,
    ]).catch((error: unknown) => {
      throw new JitError('jit_backend_failed', `could not close request ${grant.requestId} on ${grant.vmName}: ${messageOf(error)}`, { cause: error });
    });
    this.options.logger.info(`Azure Firewall ${fw.name}: closed request ${grant.requestId} on ${grant.vmName}`);
  }

  async list(): Promise<OpenRule[]> {
    const fw = await this.firewall.resolve();
    const names = new Map<string, string>();
    await Promise.all(
      [...this.vms.values()].map(async (vm) => {
        const network = await this.nsg.resolver.network(vm.vmId).catch((error: unknown) => {
          this.options.logger.warn(`list: VM ${vm.vmName} skipped: ${messageOf(error)}`);
        });
        if (network) names.set(network.privateIp, vm.vmName);
      }),
    );
    const [rules, nsgRules] = await Promise.all([this.writer.read(fw.policy, this.settings.group), this.nsg.list()]);
    return [...openDnatRulesIn(natRules(rules.group), (address) => names.get(address)), ...nsgRules];
  }

  /** Every VM of the known subscriptions, `firewall` or `both` where an NSG guards it too; all unsupported behind a firewall this backend cannot use. */
  async inventory(): Promise<SeenVm[]> {
    const own = [...this.vms.values()].flatMap(({ vmId }) => parseVmId(vmId)?.subscriptionId ?? []);
    const [listings, problem] = await Promise.all([
      this.nsg.listings([...this.nsg.subscriptions(), ...own]),
      this.firewall.resolve().then(
        () => undefined,
        (error: unknown) => {
          if (error instanceof FirewallUnsupportedError) return error.message;
          throw error;
        },
      ),
    ]);
    return firewallSeenVms(listings, this.options.nsgScope, problem);
  }

  async health(): Promise<BackendHealth> {
    const scope = this.nsg.clients.scope;
    try {
      const token = await this.nsg.clients.credential.getToken(scope, { abortSignal: AbortSignal.timeout(this.options.timeoutMs) });
      if (!token) return { ok: false, detail: `the credential returned no token for ${scope}` };
      const fw = await this.firewall.resolve();
      const { group } = await this.writer.read(fw.policy, this.settings.group);
      const state = group
        ? `rule collection group ${this.settings.group} readable (${natRules(group).length} DNAT rules)`
        : `rule collection group ${this.settings.group} not created yet (protect creates it)`;
      return { ok: true, detail: `token for ${scope}; Azure Firewall ${fw.name} at ${fw.publicIp}, policy ${fw.policy.name}; ${state}` };
    } catch (error) {
      return { ok: false, detail: messageOf(error) };
    }
  }

  /** The VM's private IP and NSG (if any), remembering the VM for list() and inventory(). */
  private async network(vm: { vmId: string; vmName: string }): Promise<VmNetwork> {
    const id = requireVmId(vm.vmId).id;
    this.vms.set(id.toLowerCase(), { vmId: vm.vmId, vmName: vm.vmName });
    return this.nsg.resolver.network(id);
  }

  private groupSettings(fw: FirewallTarget) {
    return { name: this.settings.group, priority: this.settings.priority, policy: fw.policy.name };
  }

  private dnatSettings(fw: FirewallTarget): DnatSettings {
    return { ...this.groupSettings(fw), publicIp: fw.publicIp, publicPorts: this.settings.publicPorts };
  }
}
