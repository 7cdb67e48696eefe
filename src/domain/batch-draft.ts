// Several VMs in one request (`web-1,db-1`), checked against the policy. Each VM
// gets those of the listed ports it has; the result is one ordinary draft per VM,
// or every problem at once: the whole request is refused if any VM's part is.

import { DRAFT_LIMITS, findVm, validateDraft, type DraftInput, type DraftProblem } from './draft.js';
import type { Policy, RequestDraft, VmPolicy } from './types.js';

/** More than this many VMs in one request is refused (one approval message must stay readable). */
export const MAX_BATCH_VMS = 10;

export interface BatchMemberDraft {
  draft: RequestDraft;
  vm: VmPolicy;
}

export type BatchDraftResult = { ok: true; members: BatchMemberDraft[] } | { ok: false; problems: DraftProblem[] };

/** A comma in the VM field asks for several VMs. */
export function isBatchInput(vm: string): boolean {
  return typeof vm === 'string' && vm.includes(',');
}

export function validateBatchDraft(input: DraftInput, policy: Policy): BatchDraftResult {
  const problems: DraftProblem[] = [];
  const add = (field: DraftProblem['field'], message: string): void => {
    if (!problems.some((p) => p.field === field && p.message === message)) problems.push({ field, message });
  };

  const names = input.vm
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) add('vm', 'Choose at least one VM, such as web-1, or web-1,db-1 for several.');
  if (names.length > MAX_BATCH_VMS) add('vm', `${names.length} VMs is too many for one request: ask for at most ${MAX_BATCH_VMS} at a time.`);
  const vms: VmPolicy[] = [];
  const seen = new Set<string>();
  let allFound = true;
  for (const name of names) {
    // Bounded like a single VM name, so a pasted essay is not echoed back whole in the problem.
    if (name.length > DRAFT_LIMITS.vm) {
      add('vm', `The VM name "${name.slice(0, 20)}…" is too long (${name.length} characters): it can have at most ${DRAFT_LIMITS.vm}.`);
      allFound = false;
      continue;
    }
    if (seen.has(name.toLowerCase())) {
      add('vm', `VM ${name} is listed twice: list each VM once.`);
      continue;
    }
    seen.add(name.toLowerCase());
    const vm = findVm(name, policy, add);
    if (vm === undefined) allFound = false;
    else vms.push(vm);
  }

  const numbers = portNumbers(input.ports, add);
  const subsets = new Map<VmPolicy, number[]>();
  for (const vm of vms) {
    const subset = numbers.filter((number) => vm.ports.some((port) => port.number === number));
    if (subset.length === 0 && numbers.length > 0) {
      const offered = [...new Set(vm.ports.map((port) => port.number))].join(', ');
      add('ports', `${vm.name} has none of the ports ${numbers.join(', ')}: it offers ${offered}.`);
    }
    subsets.set(vm, subset);
  }
  if (allFound) {
    for (const number of numbers.filter((n) => !vms.some((vm) => vm.ports.some((port) => port.number === n)))) {
      add('ports', `Port ${number} is not open to requests on any of ${vms.map((vm) => vm.name).join(', ')}: leave it out or add a VM that has it.`);
    }
  }
  if (problems.length > 0) return { ok: false, problems };

  // Each VM's part is an ordinary single-VM draft; its problems carry the VM's name.
  const members: BatchMemberDraft[] = [];
  for (const vm of vms) {
    const result = validateDraft({ ...input, vm: vm.name, ports: (subsets.get(vm) ?? []).join(',') }, policy);
    if (result.ok) members.push(result);
    else problems.push(...result.problems.map((p) => ({ field: p.field, message: `${vm.name}: ${p.message}` })));
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, members };
}

/** The distinct port numbers typed, in order; bad entries are problems (worded like the single-VM check). */
function portNumbers(typed: string, add: (field: 'ports', message: string) => void): number[] {
  const entries = typed.split(/[\s,]+/).filter((entry) => entry !== '');
  if (entries.length === 0) add('ports', 'Enter at least one port, such as 22, or 22,3389 for several.');
  const numbers: number[] = [];
  for (const entry of entries) {
    const number = Number(entry);
    if (!/^\d{1,5}$/.test(entry) || number < 1 || number > 65535) {
      add('ports', `"${entry.slice(0, 20)}" is not a port number: ports are numbers from 1 to 65535, such as 22, or 22,3389 for several.`);
    } else if (numbers.includes(number)) {
      add('ports', `Port ${number} is listed twice: list each port once.`);
    } else {
      numbers.push(number);
    }
  }
  return numbers;
}
