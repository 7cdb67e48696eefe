// Policy edits made from Slack live in an overlay beside the policy file: one
// entry per VM, each in the native policy form. Merging is pure: the file's
// raw document (any accepted form) plus the entries gives one document, and
// parsePolicyDocument validates that exactly as it validates the file alone,
// so an edit from Slack can never hold what the file could not.
//
// An entry replaces the file's VM of the same short name (whole: address,
// tags and backend included) or is appended. An entry that no longer
// validates against the file (the file changed under it) is not applied;
// the caller says so loudly and keeps its ports closed (protectionPolicy).

import type { Policy, PortPolicy, VmPolicy } from '../types.js';
import { isRecord } from './checks.js';
import { AZURE_MARKERS, parsePolicyDocument } from './parse.js';
import { formatPath, type Path, type PathSegment, type PolicyProblem } from './problems.js';
import { shortNameOf, vmSchema } from './schema.js';

export interface OverlayVm {
  /** The VM's short name as the policy derives it (`name`, else the last segment of `id`); unique ignoring case. */
  name: string;
  /** The VM entry in the native policy form, as a policy file would hold it. */
  vm: Record<string, unknown>;
  /** Slack user ID of the admin who saved it. */
  updatedBy: string;
  updatedAt: number;
}

/** Where an entry landed in the merged document. */
export interface OverlaySlot {
  name: string;
  path: Path;
  /** True when it replaced a VM of the file; false when appended. */
  replaced: boolean;
}

/** An entry that does not validate with the file; problem paths are relative to the VM (`ports[0].number`, `(vm)`). */
export interface RejectedEntry {
  entry: OverlayVm;
  problems: PolicyProblem[];
}

export interface Composed {
  policy: Policy;
  /** The file's document with every applied entry merged in, in the file's own form. */
  document: unknown;
  slots: OverlaySlot[];
  applied: OverlayVm[];
  rejected: RejectedEntry[];
  /** Applied entries the file now says the same as: they change nothing and can be retired. */
  redundant: OverlayVm[];
}

export type ComposeResult = ({ ok: true } & Composed) | { ok: false; problems: PolicyProblem[] };

export interface ComposeOptions {
  /** A reason an entry's VM cannot run here (its backend is not running), checked after validation. */
  vmProblem?: (vm: VmPolicy) => string | undefined;
}

/** The short name of a raw VM entry, as the policy derives it. */
export function rawVmName(vm: unknown): string | undefined {
  if (!isRecord(vm)) return undefined;
  if (typeof vm.name === 'string') return vm.name.trim();
  if (typeof vm.id === 'string' && vm.id.trim() !== '') return shortNameOf(vm.id);
  return undefined;
}

/** The file's document with the entries merged in. Never changes its input. */
export function mergeOverlay(document: unknown, entries: readonly OverlayVm[]): { document: unknown; slots: OverlaySlot[] } {
  const merged: unknown = structuredClone(document);
  const slots: OverlaySlot[] = [];
  if (!isRecord(merged)) return { document: merged, slots };
  for (const entry of entries) {
    const vm = structuredClone(entry.vm);
    const key = entry.name.toLowerCase();
    const hit = vmLists(merged).flatMap(({ path, list }) =>
      list.flatMap((value, index) => (rawVmName(value)?.toLowerCase() === key ? [{ path, list, index }] : [])),
    )[0];
    if (hit) {
      hit.list[hit.index] = vm;
      slots.push({ name: entry.name, path: [...hit.path, hit.index], replaced: true });
    } else {
      const target = appendTarget(merged);
      target.list.push(vm);
      slots.push({ name: entry.name, path: [...target.path, target.list.length - 1], replaced: false });
    }
  }
  return { document: merged, slots };
}

/**
 * The effective policy: the file (which must validate alone, or nothing is
 * composed) with every entry that validates with it. Entries are tried
 * together first and, when that fails, one by one in order.
 */
export function composePolicy(document: unknown, entries: readonly OverlayVm[], options: ComposeOptions = {}): ComposeResult {
  const file = parsePolicyDocument(document);
  if (!file.ok) return file;
  let attempt = attemptMerge(document, entries, options);
  const rejected: RejectedEntry[] = [];
  if (!attempt.ok) {
    const applied: OverlayVm[] = [];
    for (const entry of entries) {
      const next = attemptMerge(document, [...applied, entry], options);
      if (next.ok) applied.push(entry);
      else rejected.push({ entry, problems: next.problemsOf(entry.name) });
    }
    attempt = attemptMerge(document, applied, options);
    // Every accepted step validated, so the last one does too; a failure here would be a bug in this function.
    if (!attempt.ok) return { ok: false, problems: attempt.problemsOf('') };
  }
  const { policy, merged, slots, applied } = attempt;
  const fileVm = (name: string) => file.policy.vms.find((vm) => vm.name.toLowerCase() === name.toLowerCase());
  const ownVm = (name: string) => policy.vms.find((vm) => vm.name.toLowerCase() === name.toLowerCase());
  const redundant = applied.filter((entry) => {
    const before = fileVm(entry.name);
    const after = ownVm(entry.name);
    return before !== undefined && after !== undefined && sameVm(before, after);
  });
  return { ok: true, policy, document: merged, slots, applied, rejected, redundant };
}

/**
 * The policy whose ports the backends keep closed: the effective one, plus
 * the ports of entries that were not applied (fail closed: a port an admin
 * put under JIT stays denied while its entry is broken, just not offered).
 */
export function protectionPolicy(composed: Composed, options: ComposeOptions = {}): Policy {
  const extra: VmPolicy[] = [];
  for (const { entry } of composed.rejected) {
    const parsed = vmSchema.safeParse(entry.vm);
    if (!parsed.success || options.vmProblem?.(parsed.data) !== undefined) continue;
    const vm = parsed.data;
    const covered = (port: PortPolicy) =>
      composed.policy.vms.some(
        (other) =>
          other.id.toLowerCase() === vm.id.toLowerCase() &&
          (other.address ?? other.name) === (vm.address ?? vm.name) &&
          other.ports.some((p) => p.number === port.number && p.protocol === port.protocol),
      );
    // Once each: an entry refused for listing a port twice still parses on its own.
    const ports = vm.ports.filter(
      (port, index) => !covered(port) && vm.ports.findIndex((p) => p.number === port.number && p.protocol === port.protocol) === index,
    );
    if (ports.length > 0) extra.push({ ...vm, ports });
  }
  return extra.length === 0 ? composed.policy : { ...composed.policy, vms: [...composed.policy.vms, ...extra] };
}

/** Same VM, ports in any order. */
export function sameVm(a: VmPolicy, b: VmPolicy): boolean {
  return canonical(a) === canonical(b);
}

type Attempt =
  | { ok: true; policy: Policy; merged: unknown; slots: OverlaySlot[]; applied: OverlayVm[] }
  | { ok: false; problemsOf: (name: string) => PolicyProblem[] };

function attemptMerge(document: unknown, entries: readonly OverlayVm[], options: ComposeOptions): Attempt {
  const { document: merged, slots } = mergeOverlay(document, entries);
  const parsed = parsePolicyDocument(merged);
  const problems: PolicyProblem[] = parsed.ok ? [] : parsed.problems;
  if (parsed.ok && options.vmProblem) {
    for (const slot of slots) {
      const vm = parsed.policy.vms.find((v) => v.name.toLowerCase() === slot.name.toLowerCase());
      const problem = vm === undefined ? undefined : options.vmProblem(vm);
      if (problem !== undefined) problems.push({ path: formatPath(slot.path), message: problem });
    }
  }
  if (parsed.ok && problems.length === 0) return { ok: true, policy: parsed.policy, merged, slots, applied: [...entries] };
  return {
    ok: false,
    problemsOf: (name) =>
      relativeProblems(
        problems,
        slots.find((slot) => slot.name === name),
      ),
  };
}

/** The problems inside the slot, with paths relative to the VM; all of them, as they are, when none is inside. */
function relativeProblems(problems: PolicyProblem[], slot: OverlaySlot | undefined): PolicyProblem[] {
  if (slot === undefined) return problems;
  const prefix = formatPath(slot.path);
  const inside = problems.flatMap((problem) => {
    if (problem.path === prefix) return [{ path: '(vm)', message: problem.message }];
    const rest = problem.path.slice(prefix.length);
    if (!problem.path.startsWith(prefix) || !/^[.[]/.test(rest)) return [];
    return [{ path: rest.replace(/^\./, ''), message: problem.message }];
  });
  return inside.length > 0 ? inside : problems;
}

interface VmList {
  path: PathSegment[];
  list: unknown[];
}

/** Every VM list of the document, found the way parsePolicyDocument finds them. */
function vmLists(document: Record<string, unknown>): VmList[] {
  if ('value' in document) {
    if (!Array.isArray(document.value)) return [];
    return document.value.flatMap((resource: unknown, index) => resourceList(resource, ['value', index]));
  }
  if (AZURE_MARKERS.some((key) => key in document)) return resourceList(document, []);
  return Array.isArray(document.virtualMachines) ? [{ path: ['virtualMachines'], list: document.virtualMachines as unknown[] }] : [];
}

function resourceList(resource: unknown, path: PathSegment[]): VmList[] {
  if (!isRecord(resource) || !isRecord(resource.properties) || !Array.isArray(resource.properties.virtualMachines)) return [];
  return [{ path: [...path, 'properties', 'virtualMachines'], list: resource.properties.virtualMachines as unknown[] }];
}

/** Where a new VM goes: the native list, or the first Azure resource's properties.virtualMachines (made when missing). */
function appendTarget(document: Record<string, unknown>): VmList {
  const existing = vmLists(document)[0];
  if (existing) return existing;
  const list: unknown[] = [];
  if ('value' in document) {
    const resources = Array.isArray(document.value) ? document.value : (document.value = []);
    resources.push({ properties: { virtualMachines: list } });
    return { path: ['value', resources.length - 1, 'properties', 'virtualMachines'], list };
  }
  if (AZURE_MARKERS.some((key) => key in document)) {
    const properties = isRecord(document.properties) ? document.properties : (document.properties = {});
    properties.virtualMachines = list;
    return { path: ['properties', 'virtualMachines'], list };
  }
  document.virtualMachines = list;
  return { path: ['virtualMachines'], list };
}

function canonical(vm: VmPolicy): string {
  const tags = Object.entries(vm.tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const ports = [...vm.ports]
    .map((p) => [p.number, p.protocol, p.anySource, [...p.allowedSourcePrefixes].sort(), p.maxDurationSeconds, p.minDurationSeconds])
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return JSON.stringify([vm.id, vm.name, vm.address ?? null, vm.backend ?? null, tags, ports]);
}
