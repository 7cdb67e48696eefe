// Admin use cases: enable JIT on a VM with Azure's defaults, and change a
// VM's ports. Each change becomes an overlay entry that LivePolicy validates
// with the policy file exactly as the file itself is validated, applies at
// once (deny rules first) and stores with its audit event.

import { JitError } from '../domain/errors.js';
import { command, type Message, msg } from '../domain/message.js';
import type { NotConfiguredVm } from '../domain/inventory.js';
import type { Composed, OverlayVm } from '../domain/policy/overlay.js';
import { rawVmName, sameVm } from '../domain/policy/overlay.js';
import { formatPortLines, lineProblems, MAX_PORT_LINES, MAX_PORT_TEXT, parsePortLines } from '../domain/policy/port-lines.js';
import { shortNameOf } from '../domain/policy/schema.js';
import { defaultPorts, describeChange, describePorts, toRawVm, type OsKind } from '../domain/policy/vm-entry.js';
import type { AccessRequest, SystemEvent, VmPolicy } from '../domain/types.js';
import type { WorkflowContext } from './context.js';
import { requireRight } from './access.js';
import { readInventory } from './inventory.js';
import type { LivePolicy } from './live-policy.js';
import { OPEN_STATES } from '../domain/lifecycle.js';

export interface EnableInput {
  user: string;
  /** Short name or full id of a VM a backend lists; any name when `address` is given. */
  vm: string;
  os?: OsKind;
  /** For a VM no backend lists: its IP or host name; the default backend guards it. */
  address?: string;
}

export type EnableResult = { ok: true; vm: VmPolicy; os: OsKind; osFrom: 'asked' | 'backend' | 'default'; backend: string } | { ok: false; message: Message };

export type EditForm = { ok: true; vm: VmPolicy; text: string; backend: string } | { ok: false; message: Message };

/** `problems`: one sentence per line of the form (or about the VM itself), for the form's error or a DM. */
export type EditResult = { ok: true; before: VmPolicy; after: VmPolicy; change: string; openGrants: AccessRequest[] } | { ok: false; problems: Message[] };

export class AdminWorkflow {
  constructor(
    private readonly ctx: WorkflowContext,
    private readonly live: LivePolicy,
  ) {}

  async enable(input: EnableInput): Promise<EnableResult> {
    await this.requireAdmin(input.user);
    const wanted = input.vm.trim();
    const configured = findVm(this.live.policy().vms, wanted);
    if (configured) return { ok: false, message: alreadyEnabled(configured) };
    const target = await this.locate(wanted, input.address);
    if (!target.ok) return target;
    const os = input.os ?? target.seen?.os ?? 'linux';
    const osFrom = input.os ? 'asked' : target.seen?.os ? 'backend' : 'default';
    const raw: Record<string, unknown> = { ...target.raw, ports: defaultPorts(os) };
    const now = this.ctx.clock.now();
    const entry: OverlayVm = { name: rawVmName(raw) ?? wanted, vm: raw, updatedBy: input.user, updatedAt: now };
    const result = await this.live.commit(entry, {
      unless: (current) => {
        const already = findVm(current.vms, entry.name);
        return already ? alreadyEnabled(already) : undefined;
      },
      audit: (composed) => event('policy.vm_enabled', input.user, now, `enabled JIT on ${entry.name}: ${describePorts(vmIn(composed, entry.name).ports)}`),
    });
    if (!result.ok)
      return {
        ok: false,
        message: 'refused' in result ? result.refused : [result.problems.map((p) => (p.path === '(vm)' ? p.message : `${p.path}: ${p.message}`)).join('\n')],
      };
    const vm = vmIn(result.composed, entry.name);
    return { ok: true, vm, os, osFrom, backend: this.ctx.backends.forVm(vm).name };
  }

  /** The VM's ports as the edit modal shows them. */
  async editForm(user: string, name: string): Promise<EditForm> {
    await this.requireAdmin(user);
    const vm = findVm(this.live.policy().vms, name.trim());
    if (!vm) return { ok: false, message: notConfigured(name.trim()) };
    const text = formatPortLines(vm.ports);
    if (vm.ports.length > MAX_PORT_LINES || text.length > MAX_PORT_TEXT) {
      return {
        ok: false,
        message: [`${vm.name} has more ports than the form can hold (${MAX_PORT_LINES} lines, ${MAX_PORT_TEXT} characters): change it in the policy file.`],
      };
    }
    return { ok: true, vm, text, backend: vm.backend ?? this.ctx.backends.forVm({ name: vm.name }).name };
  }

  /**
   * Checks an edit without saving it: quick enough to answer the modal's
   * submission within Slack's three seconds. `edit` checks again when it saves.
   */
  async checkEdit(user: string, name: string, text: unknown): Promise<{ ok: true } | { ok: false; problems: Message[] }> {
    const prepared = await this.prepareEdit(user, name, text);
    return prepared.ok ? { ok: true } : prepared;
  }

  async edit(user: string, name: string, text: unknown): Promise<EditResult> {
    const prepared = await this.prepareEdit(user, name, text);
    if (!prepared.ok) return prepared;
    const { before, entry, lines, unchanged } = prepared;
    // Saving what is already there would only add noise to the audit trail.
    if (unchanged) return { ok: true, before, after: before, change: 'no change', openGrants: [] };
    let change = '';
    let changed = before;
    const result = await this.live.commit(entry, {
      // A reload may have taken the VM out meanwhile: an edit never brings it back.
      unless: (current) => (findVm(current.vms, before.name) ? undefined : notConfigured(before.name)),
      // Against the VM as it runs now: another admin may have saved it since the form was checked.
      audit: (composed, previous) => {
        changed = findVm(previous.vms, before.name) ?? before;
        change = describeChange(changed, vmIn(composed, before.name));
        return event('policy.vm_changed', user, entry.updatedAt, `changed ${before.name}: ${change}`);
      },
    });
    if (!result.ok) return { ok: false, problems: 'refused' in result ? [result.refused] : asMessages(lineProblems(result.problems, lines)) };
    // Open grants keep the target they were approved with: closing never depends on the policy.
    const openGrants = await this.ctx.store.listRequests({ vm: before.name, states: OPEN_STATES });
    return { ok: true, before: changed, after: vmIn(result.composed, before.name), change, openGrants };
  }

  private async prepareEdit(user: string, name: string, text: unknown) {
    await this.requireAdmin(user);
    const before = findVm(this.live.policy().vms, name);
    if (!before) return { ok: false as const, problems: [notConfigured(name)] };
    const parsed = parsePortLines(text);
    if (!parsed.ok) return { ok: false as const, problems: asMessages(parsed.problems) };
    const entry: OverlayVm = { name: before.name, vm: { ...toRawVm(before), ports: parsed.ports }, updatedBy: user, updatedAt: this.ctx.clock.now() };
    const preview = await this.live.preview(entry);
    if (!preview.ok) return { ok: false as const, problems: asMessages(lineProblems(preview.problems, parsed.lines)) };
    const unchanged = sameVm(before, vmIn(preview.composed, before.name));
    return { ok: true as const, before, entry, lines: parsed.lines, unchanged };
  }

  private requireAdmin(user: string): Promise<void> {
    return requireRight(this.ctx, user, 'admin');
  }

  /** The VM to enable: one a backend lists (by short name or id), or, with an address, one on the default backend. */
  private async locate(
    wanted: string,
    address: string | undefined,
  ): Promise<{ ok: true; raw: Record<string, unknown>; seen?: NotConfiguredVm } | { ok: false; message: Message }> {
    const inventory = await readInventory(this.ctx);
    const key = wanted.toLowerCase();
    const matches = (vm: { id: string; name: string }) => vm.name.toLowerCase() === key || vm.id.toLowerCase() === key;
    const unsupported = inventory.unsupported.find(matches);
    const seen = inventory.notConfigured.filter(matches);
    if (seen.length > 1) {
      return {
        ok: false,
        message: [`Several VMs are called ${wanted}: give the full id of the one you mean: ${seen.map((vm) => `\`${vm.id}\``).join(', ')}.`],
      };
    }
    const [sighting] = seen;
    if (sighting) {
      const defaultBackend = this.ctx.backends.forVm({ name: sighting.name }).name;
      const raw = {
        id: sighting.id,
        ...(shortNameOf(sighting.id) === sighting.name ? {} : { name: sighting.name }),
        ...(address === undefined ? {} : { address }),
        ...(sighting.backend === defaultBackend ? {} : { backend: sighting.backend }),
      };
      return { ok: true, raw, seen: sighting };
    }
    if (unsupported && address === undefined) {
      return { ok: false, message: [`Backend \`${unsupported.backend}\` sees ${unsupported.name} but cannot guard it: ${unsupported.reason}.`] };
    }
    if (address !== undefined) return { ok: true, raw: { id: wanted, address } };
    const failed = inventory.failures.map((failure) => ` Backend \`${failure.backend}\` could not list its VMs: ${failure.error}.`).join('');
    return {
      ok: false,
      message: msg`No firewall backend lists a VM called ${wanted} (${command('jit vms')} shows what they list).${failed} To protect a VM no backend lists, give its address: ${command(`jit enable ${wanted} linux 10.0.0.7`)}; the default backend (JIT_BACKEND) then guards it.`,
    };
  }
}

function findVm(vms: readonly VmPolicy[], wanted: string): VmPolicy | undefined {
  const key = wanted.toLowerCase();
  return vms.find((vm) => vm.name.toLowerCase() === key) ?? vms.find((vm) => vm.id.toLowerCase() === key);
}

function vmIn(composed: Composed, name: string): VmPolicy {
  const vm = findVm(composed.policy.vms, name);
  if (!vm) throw new JitError('jit_policy_invalid', `the VM ${name} is missing from the policy it was just merged into`);
  return vm;
}

function alreadyEnabled(vm: VmPolicy): Message {
  return msg`${vm.name} is already enabled: use ${command(`jit edit ${vm.name}`)} to change its ports.`;
}

function notConfigured(name: string): Message {
  return msg`${name} is not configured: ${command(`jit enable ${name}`)} puts it under JIT first (${command('jit vms')} lists every VM).`;
}

function asMessages(sentences: readonly string[]): Message[] {
  return sentences.map((sentence) => [sentence]);
}

function event(name: SystemEvent['name'], actor: string, at: number, detail: string): SystemEvent {
  return { name, actor, at, detail };
}
