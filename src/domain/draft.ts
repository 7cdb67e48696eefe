// What a requester typed, checked against the policy. Every problem is
// returned at once, tagged with the field it belongs to, because the Slack
// modal shows each under its own input and a person should fix all in one go.

import { cidrContains, isWholeFamily, parseCidr, type Cidr } from './cidr.js';
import { formatDuration, parseDuration } from './duration.js';
import type { Policy, PortPolicy, RequestDraft, RequestedPort, VmPolicy } from './types.js';

export type DraftField = 'vm' | 'ports' | 'source' | 'duration' | 'justification';

export interface DraftProblem {
  field: DraftField;
  message: string;
}

export interface DraftInput {
  requester: string;
  vm: string;
  ports: string;
  source: string;
  duration: string;
  justification: string;
}

export type DraftResult = { ok: true; draft: RequestDraft; vm: VmPolicy } | { ok: false; problems: DraftProblem[] };

/** Input bounds: generous for real use, small enough that a pasted essay is refused early. */
export const DRAFT_LIMITS = { vm: 64, ports: 200, source: 64, duration: 32, justification: 1000 } as const;

const KNOWN_VMS_SHOWN = 10;
const ANY_SOURCE_WORDS = new Set(['*', 'any']);
const FIELD_NAMES: Record<Exclude<DraftField, 'justification'>, string> = {
  vm: 'The VM name',
  ports: 'The port list',
  source: 'The source address',
  duration: 'The duration',
};

export function validateDraft(input: DraftInput, policy: Policy): DraftResult {
  const problems: DraftProblem[] = [];
  const add = (field: DraftField, message: string): void => {
    if (!problems.some((p) => p.field === field && p.message === message)) problems.push({ field, message });
  };
  // A forged form can put any JSON value in a field; anything but text counts as left empty.
  const typed = (field: DraftField): string => (typeof input[field] === 'string' ? input[field].trim() : '');
  const text = (field: Exclude<DraftField, 'justification'>): string | undefined => {
    const value = typed(field);
    if (value.length <= DRAFT_LIMITS[field]) return value;
    add(field, `${FIELD_NAMES[field]} is too long (${value.length} characters): it can have at most ${DRAFT_LIMITS[field]}.`);
    return undefined;
  };

  const vmText = text('vm');
  const vm = vmText === undefined ? undefined : findVm(vmText, policy, add);
  const portsText = text('ports');
  const selected = portsText === undefined ? [] : selectPorts(portsText, vm, add);
  const sourceText = text('source');
  const source = sourceText === undefined ? undefined : checkSource(sourceText, selected, vm, add);
  const durationText = text('duration');
  const seconds = durationText === undefined ? undefined : checkDuration(durationText, selected, add);

  const justification = typed('justification');
  if (justification.length > DRAFT_LIMITS.justification) {
    add('justification', `The justification is ${justification.length} characters long: shorten it to ${DRAFT_LIMITS.justification} or fewer.`);
  }

  if (problems.length > 0 || vm === undefined || source === undefined || seconds === undefined) {
    return { ok: false, problems };
  }
  const ports: RequestedPort[] = selected.map(({ number, protocol }) => ({ number, protocol }));
  const draft: RequestDraft = { requester: input.requester.trim(), vm: vm.name, ports, source, durationSeconds: seconds, justification };
  return { ok: true, draft, vm };
}

export type Add = (field: DraftField, message: string) => void;

/** The VM the user typed (case-insensitive), or undefined after adding a problem that lists known VMs. */
export function findVm(typed: string, policy: Policy, add: Add): VmPolicy | undefined {
  const wanted = typed.toLowerCase();
  const vm = typed === '' ? undefined : policy.vms.find((candidate) => candidate.name.toLowerCase() === wanted);
  if (vm !== undefined) return vm;
  if (policy.vms.length === 0) {
    add('vm', 'No VMs are set up for access yet: ask an administrator to add yours to the policy.');
    return undefined;
  }
  const names = policy.vms.slice(0, KNOWN_VMS_SHOWN).map((candidate) => candidate.name);
  const more = policy.vms.length - names.length;
  const known = `${names.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
  add('vm', typed === '' ? `Choose a VM: ${known}.` : `There is no VM called "${typed}": choose one of ${known}.`);
  return undefined;
}

/** The policy ports the request covers, in the order asked; a number configured for TCP and UDP brings both. */
function selectPorts(typed: string, vm: VmPolicy | undefined, add: Add): PortPolicy[] {
  const entries = typed.split(/[\s,]+/).filter((entry) => entry !== '');
  if (entries.length === 0) {
    add('ports', 'Enter at least one port, such as 22, or 22,3389 for several.');
    return [];
  }
  const selected: PortPolicy[] = [];
  const seen = new Set<number>();
  for (const entry of entries) {
    if (!/^\d{1,5}$/.test(entry)) {
      add('ports', `"${entry.slice(0, 20)}" is not a port number: type numbers such as 22, or 22,3389 for several.`);
      continue;
    }
    const number = Number(entry);
    if (number < 1 || number > 65535) {
      add('ports', `${entry} is not a port number: ports run from 1 to 65535.`);
      continue;
    }
    if (seen.has(number)) {
      add('ports', `Port ${number} is listed twice: list each port once.`);
      continue;
    }
    seen.add(number);
    if (vm === undefined) continue;
    const matches = vm.ports.filter((port) => port.number === number);
    if (matches.length === 0) {
      const offered = [...new Set(vm.ports.map((port) => port.number))].join(', ');
      add('ports', `Port ${number} is not open to requests on ${vm.name}: choose from ${offered}.`);
    }
    selected.push(...matches);
  }
  return selected;
}

/** Returns the draft's source: `*` for any, else the normalised CIDR. */
function checkSource(typed: string, ports: readonly PortPolicy[], vm: VmPolicy | undefined, add: Add): string | undefined {
  if (typed === '') {
    add('source', 'Enter the address you will connect from, such as 203.0.113.7 or 203.0.113.0/24.');
    return undefined;
  }
  const where = vm === undefined ? '' : ` on ${vm.name}`;
  if (ANY_SOURCE_WORDS.has(typed.toLowerCase())) {
    let allowed = true;
    for (const port of ports.filter((candidate) => !candidate.anySource)) {
      allowed = false;
      add('source', `Port ${port.number}${where} does not allow any source: give the address you will connect from, inside ${listPrefixes(port)}.`);
    }
    return allowed ? '*' : undefined;
  }
  const parsed = parseCidr(typed);
  if (!parsed.ok) {
    add('source', `${parsed.error}.`);
    return undefined;
  }
  let allowed = true;
  for (const port of ports) {
    if (port.anySource || port.allowedSourcePrefixes.some((prefix) => contains(prefix, parsed.cidr))) continue;
    allowed = false;
    // An explicit 0.0.0.0/0 or ::/0 is the "any" ask in CIDR form, so it gets the same explanation.
    add(
      'source',
      isWholeFamily(parsed.cidr)
        ? `Port ${port.number}${where} does not allow any source: give the address you will connect from, inside ${listPrefixes(port)}.`
        : `${parsed.cidr.text} is outside what port ${port.number}${where} allows (${listPrefixes(port)}): connect from an address inside it.`,
    );
  }
  return allowed ? parsed.cidr.text : undefined;
}

function contains(prefix: string, inner: Cidr): boolean {
  const outer = parseCidr(prefix);
  return outer.ok && cidrContains(outer.cidr, inner);
}

function listPrefixes(port: PortPolicy): string {
  const prefixes = port.allowedSourcePrefixes;
  return prefixes.length <= 1 ? (prefixes[0] ?? 'no prefix') : `one of ${prefixes.join(', ')}`;
}

function checkDuration(typed: string, ports: readonly PortPolicy[], add: Add): number | undefined {
  const parsed = parseDuration(typed);
  if (!parsed.ok) {
    add('duration', `${parsed.error}.`);
    return undefined;
  }
  if (ports.length === 0) return parsed.seconds;
  const tightest = ports.reduce((a, b) => (b.maxDurationSeconds < a.maxDurationSeconds ? b : a));
  const strictest = ports.reduce((a, b) => (b.minDurationSeconds > a.minDurationSeconds ? b : a));
  const which = (port: PortPolicy): string => (ports.length === 1 ? 'this port' : `port ${port.number}`);
  const max = formatDuration(tightest.maxDurationSeconds);
  const min = formatDuration(strictest.minDurationSeconds);
  if (strictest.minDurationSeconds > tightest.maxDurationSeconds) {
    add('duration', `Port ${strictest.number} needs at least ${min} but port ${tightest.number} allows at most ${max}: request them separately.`);
    return undefined;
  }
  if (parsed.seconds > tightest.maxDurationSeconds) {
    add('duration', `${typed} is longer than the ${max} ${which(tightest)} allows: ask for ${max} or less.`);
    return undefined;
  }
  if (parsed.seconds < strictest.minDurationSeconds) {
    add('duration', `${typed} is shorter than the ${min} ${which(strictest)} needs at least: ask for ${min} or more.`);
    return undefined;
  }
  return parsed.seconds;
}
