// The REST API's request body, Azure's `initiate` shape, turned into the
// workflow's own input (the fields `/jit request` has). Pure. Every problem
// is returned at once with the JSON path it belongs to; a body whose shape is
// wrong is a 400, one that names what the policy does not have is a 422. The
// workflow then applies its own checks (ports, sources, durations, rules), so
// a call is held to exactly what a Slack request is.

import { isBatchInput } from '../batch-draft.js';
import { MAX_BATCH_VMS } from '../batch-draft.js';
import { parseDuration, toIsoDuration } from '../duration.js';
import type { Policy, VmPolicy } from '../types.js';

/** One problem with the body: where (`virtualMachines[0].ports[1].number`) and what to do. */
export interface ApiProblem {
  field: string;
  message: string;
}

/** What the workflow's RequestInput needs besides the requester. */
export interface InitiateInput {
  vm: string;
  ports: string;
  source: string;
  duration: string;
  justification: string;
}

export type InitiateResult = { ok: true; input: InitiateInput } | { ok: false; status: 400 | 422; problems: ApiProblem[] };

export const MAX_PORTS_PER_VM = 20;
const PROTOCOLS = ['TCP', 'UDP', '*'];
const ME = new Set(['me', 'myip', 'my-ip']);
// RFC 3339 with a zone: an end without one would mean a different time on every machine.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

interface PortAsk {
  number: number;
  source: string;
  /** Whole seconds from now, or undefined when a problem was added. */
  seconds: number | undefined;
  /** As it will be shown back: the ISO duration. */
  duration: string;
}

export function parseInitiate(body: unknown, policy: Policy, now: number): InitiateResult {
  const shape: ApiProblem[] = [];
  const meaning: ApiProblem[] = [];
  const bad = (field: string, message: string) => void shape.push({ field, message });
  if (!isObject(body))
    return { ok: false, status: 400, problems: [{ field: '', message: 'Send a JSON object: {"virtualMachines": [...], "justification": "..."}.' }] };

  const justification = body.justification ?? '';
  if (typeof justification !== 'string') bad('justification', 'justification must be text, such as "deploy hotfix".');
  const vms = body.virtualMachines;
  if (!Array.isArray(vms) || vms.length === 0) {
    bad('virtualMachines', 'virtualMachines must be a list of at least one VM: [{"id": "web-1", "ports": [{"number": 22, ...}]}].');
    return { ok: false, status: 400, problems: shape };
  }
  if (vms.length > MAX_BATCH_VMS) bad('virtualMachines', `${vms.length} VMs is too many for one call: ask for at most ${MAX_BATCH_VMS} at a time.`);

  const resolved: { vm: VmPolicy | undefined; ports: PortAsk[]; at: string }[] = [];
  vms.slice(0, MAX_BATCH_VMS).forEach((entry, i) => {
    const at = `virtualMachines[${i}]`;
    if (!isObject(entry)) return bad(at, `${at} must be an object with an id and ports.`);
    let vm: VmPolicy | undefined;
    if (typeof entry.id !== 'string' || entry.id.trim() === '' || entry.id.length > 1024) {
      bad(`${at}.id`, `${at}.id must be the VM's name (web-1) or its Azure resource id (/subscriptions/…/virtualMachines/web-1).`);
    } else {
      vm = findApiVm(entry.id.trim(), policy);
      if (vm === undefined) meaning.push({ field: `${at}.id`, message: unknownVm(entry.id.trim(), policy) });
    }
    const ports = entry.ports;
    if (!Array.isArray(ports) || ports.length === 0 || ports.length > MAX_PORTS_PER_VM) {
      return bad(
        `${at}.ports`,
        `${at}.ports must list 1 to ${MAX_PORTS_PER_VM} ports: [{"number": 22, "allowedSourceAddressPrefix": "198.51.100.7", "endTimeUtc": "…"}].`,
      );
    }
    const asks = ports.map((port, j) => portAsk(port, `${at}.ports[${j}]`, vm, now, bad, meaning)).filter((ask) => ask !== undefined);
    resolved.push({ vm, ports: asks, at });
  });
  if (shape.length > 0) return { ok: false, status: 400, problems: shape };

  // One call is one request (several VMs: one batch): one source and one end for every port.
  const all = resolved.flatMap((entry) => entry.ports);
  const sources = new Set(all.map((ask) => ask.source.toLowerCase()));
  if (sources.size > 1) {
    bad('allowedSourceAddressPrefix', `Every port of one call must have the same source (this one has ${[...sources].join(', ')}): send one call per source.`);
  }
  const ends = new Set(all.map((ask) => ask.seconds));
  if (ends.size > 1 && !ends.has(undefined)) bad('endTimeUtc', 'Every port of one call must end at the same time: send one call per end time.');
  if (shape.length > 0) return { ok: false, status: 400, problems: shape };
  if (meaning.length > 0) return { ok: false, status: 422, problems: meaning };

  // A batch asks every VM for the same port list and gives each those it has: exact only when that is what each VM asked for.
  const numbers = [...new Set(all.map((ask) => ask.number))];
  for (const entry of resolved) {
    const asked = new Set(entry.ports.map((ask) => ask.number));
    // Ports a VM lacks are the workflow's to refuse (422); here only those it would get without asking.
    const extra = numbers.filter((number) => !asked.has(number) && entry.vm!.ports.some((port) => port.number === number));
    if (resolved.length > 1 && extra.length > 0) {
      bad(
        `${entry.at}.ports`,
        `${entry.vm!.name} would also get port ${extra.join(', ')} (asked of another VM in this call): send one call per VM, or ask every VM for the same ports.`,
      );
    }
  }
  if (shape.length > 0) return { ok: false, status: 400, problems: shape };

  const names = resolved.map((entry) => entry.vm!.name);
  const vm = names.join(',');
  // A VM whose own name has a comma would read as a batch: such a name cannot come from the policy, but say so rather than guess.
  if (resolved.length === 1 && isBatchInput(vm))
    return { ok: false, status: 422, problems: [{ field: 'virtualMachines[0].id', message: `${vm} cannot be asked for by name.` }] };
  return {
    ok: true,
    input: {
      vm,
      ports: numbers.join(','),
      source: all[0]!.source,
      duration: all[0]!.duration,
      justification: typeof justification === 'string' ? justification : '',
    },
  };
}

/**
 * By Azure resource id (exactly, as Azure compares ids: case-insensitively)
 * when the policy's VM has one; a resource id of a VM the policy knows by name
 * only matches by its last segment; anything else is a name.
 */
export function findApiVm(id: string, policy: Policy): VmPolicy | undefined {
  const lower = id.toLowerCase();
  if (lower.startsWith('/subscriptions/')) {
    const exact = policy.vms.find((vm) => vm.id.toLowerCase() === lower);
    if (exact) return exact;
    const name = lower.split('/').at(-1) ?? '';
    return policy.vms.find((vm) => !vm.id.startsWith('/') && vm.name.toLowerCase() === name);
  }
  return policy.vms.find((vm) => vm.name.toLowerCase() === lower);
}

function unknownVm(id: string, policy: Policy): string {
  const shown = id.length > 80 ? `${id.slice(0, 80)}…` : id;
  if (policy.vms.length === 0) return 'No VMs are set up for access yet: ask an administrator to add yours to the policy.';
  return `There is no VM ${shown} in the policy: GET /api/v1/policy lists the VMs (by name and Azure resource id).`;
}

function portAsk(
  port: unknown,
  at: string,
  vm: VmPolicy | undefined,
  now: number,
  bad: (field: string, message: string) => void,
  meaning: ApiProblem[],
): PortAsk | undefined {
  if (!isObject(port)) return void bad(at, `${at} must be an object such as {"number": 22, "allowedSourceAddressPrefix": "198.51.100.7", "endTimeUtc": "…"}.`);
  const { number, protocol } = port;
  let ok = true;
  const fail = (field: string, message: string) => {
    ok = false;
    bad(`${at}.${field}`, message);
  };
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1 || number > 65535) fail('number', 'number must be a port number, 1 to 65535.');
  if (protocol !== undefined && (typeof protocol !== 'string' || !PROTOCOLS.includes(protocol.toUpperCase())))
    fail('protocol', 'protocol must be TCP, UDP or *.');

  const source = sourceOf(port, fail);
  const timing = timingOf(port, now, fail, (message) => meaning.push({ field: `${at}.endTimeUtc`, message }));
  if (!ok || source === undefined || timing === undefined || typeof number !== 'number') return undefined;

  // The policy decides the protocol: a request covers every protocol a port is configured for, so one named must be exactly that.
  if (vm !== undefined && typeof protocol === 'string' && protocol !== '*') {
    const configured = [...new Set(vm.ports.filter((p) => p.number === number).map((p) => p.protocol))];
    if (configured.length > 0 && !(configured.length === 1 && (configured[0] === protocol.toUpperCase() || configured[0] === '*'))) {
      meaning.push({
        field: `${at}.protocol`,
        message: `Port ${number} on ${vm.name} is configured for ${configured.join(' and ')}, and a request covers all of it: leave protocol out or send "${configured.join('", "')}".`,
      });
    }
  }
  return { number, source, ...timing };
}

/** `allowedSourceAddressPrefix`, or Azure's list form with exactly one entry. */
function sourceOf(port: Record<string, unknown>, fail: (field: string, message: string) => void): string | undefined {
  const one = port.allowedSourceAddressPrefix;
  const many = port.allowedSourceAddressPrefixes;
  if (one !== undefined && many !== undefined)
    return void fail('allowedSourceAddressPrefix', 'Give allowedSourceAddressPrefix or allowedSourceAddressPrefixes, not both.');
  let source: unknown = one;
  if (many !== undefined) {
    if (!Array.isArray(many) || many.length !== 1) {
      return void fail('allowedSourceAddressPrefixes', 'allowedSourceAddressPrefixes must have exactly one address: send one call per source address.');
    }
    source = many[0];
  }
  if (typeof source !== 'string' || source.trim() === '') {
    return void fail(
      'allowedSourceAddressPrefix',
      'allowedSourceAddressPrefix must be the address you will connect from, such as "198.51.100.7" or "203.0.113.0/24".',
    );
  }
  if (ME.has(source.trim().toLowerCase())) {
    return void fail(
      'allowedSourceAddressPrefix',
      `"${source.trim()}" works in Slack only: give the address your script connects from, such as "198.51.100.7".`,
    );
  }
  return source.trim().slice(0, 100);
}

/** `endTimeUtc` (RFC 3339) or `duration` (ISO 8601, our extension): exactly one. */
function timingOf(
  port: Record<string, unknown>,
  now: number,
  fail: (field: string, message: string) => void,
  unmeetable: (message: string) => void,
): { seconds: number | undefined; duration: string } | undefined {
  const { endTimeUtc, duration } = port;
  if (endTimeUtc !== undefined && duration !== undefined) return void fail('endTimeUtc', 'Give endTimeUtc or duration, not both.');
  if (duration !== undefined) {
    const parsed = typeof duration === 'string' ? parseDuration(duration) : undefined;
    if (!parsed?.ok) return void fail('duration', `duration must be an ISO 8601 duration such as "PT1H"${parsed && !parsed.ok ? ` (${parsed.error})` : ''}.`);
    return { seconds: parsed.seconds, duration: toIsoDuration(parsed.seconds) };
  }
  if (typeof endTimeUtc !== 'string' || !DATE_TIME.test(endTimeUtc) || Number.isNaN(Date.parse(endTimeUtc))) {
    return void fail('endTimeUtc', 'endTimeUtc must be a UTC time such as "2026-12-05T12:00:00Z" (or give duration, such as "PT1H").');
  }
  // Whole seconds from now, rounded down: access never lasts past the time asked.
  const seconds = Math.floor((Date.parse(endTimeUtc) - now) / 1000);
  if (seconds < 1) {
    unmeetable(`endTimeUtc ${endTimeUtc} is not in the future (it is ${new Date(now).toISOString()} now): ask for a later end.`);
    return { seconds: undefined, duration: '' };
  }
  return { seconds, duration: toIsoDuration(seconds) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
