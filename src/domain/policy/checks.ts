// Checks that span several fields or elements. They read the raw document, not
// zod's output, so they still run (and report) when some other field of the
// same object is broken: the author sees every problem in one pass.

import { parseDuration, formatDuration } from '../duration.js';
import { formatPath, type Path, type PathSegment } from './problems.js';
import type { Policy, Rule } from '../types.js';
import { shortNameOf, VM_NAME, VM_NAME_RULE } from './schema.js';

export interface Located {
  path: Path;
  value: unknown;
}

export interface PathProblem {
  path: Path;
  message: string;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface Trail {
  parent: Trail | undefined;
  segment: PathSegment;
}

const MAX_PROTOTYPE_KEYS_REPORTED = 20;

/**
 * `__proto__` cannot be kept as data: zod drops it without a word, so a tag or a
 * match condition written under that name would vanish (and the rule match more).
 * Walked with an explicit stack and parent links, so a deeply nested file costs
 * neither the call stack nor a copied path per level.
 */
export function checkPrototypeKeys(document: unknown): PathProblem[] {
  const problems: PathProblem[] = [];
  const pathOf = (trail: Trail | undefined): PathSegment[] => {
    const path: PathSegment[] = [];
    for (let at = trail; at !== undefined; at = at.parent) path.push(at.segment);
    return path.reverse();
  };
  const stack: { value: unknown; trail: Trail | undefined }[] = [{ value: document, trail: undefined }];
  for (let next = stack.pop(); next !== undefined && problems.length < MAX_PROTOTYPE_KEYS_REPORTED; next = stack.pop()) {
    const { value, trail } = next;
    if (typeof value !== 'object' || value === null) continue;
    for (const [segment, inner] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
      const here: Trail = { parent: trail, segment };
      if (segment === '__proto__')
        problems.push({ path: pathOf(here), message: 'the key __proto__ cannot be read as data and would be ignored: rename or remove it' });
      else stack.push({ value: inner, trail: here });
    }
  }
  return problems;
}

export function checkVms(vms: readonly Located[]): PathProblem[] {
  const problems: PathProblem[] = [];
  const firstByName = new Map<string, Path>();
  for (const { path, value: vm } of vms) {
    if (!isRecord(vm)) continue;
    const name = shortName(vm);
    if (typeof vm.name !== 'string' && name !== undefined && !VM_NAME.test(name)) {
      problems.push({
        path: [...path, 'id'],
        message: `the short name \`${name}\` taken from the end of the id is not a valid VM name: add a \`name\` (${VM_NAME_RULE})`,
      });
    }
    if (name !== undefined) {
      const first = firstByName.get(name.toLowerCase());
      if (first === undefined) firstByName.set(name.toLowerCase(), path);
      else {
        problems.push({
          path,
          message: `the short name \`${name}\` is already used by ${formatPath(first)}: short names must be unique (ignoring case); set a different \`name\` on one of them`,
        });
      }
    }
    if (Array.isArray(vm.ports)) problems.push(...checkPorts(vm.ports, [...path, 'ports']));
  }
  return problems;
}

function shortName(vm: Record<string, unknown>): string | undefined {
  if (typeof vm.name === 'string') return vm.name.trim();
  if (typeof vm.id === 'string' && vm.id.trim() !== '') return shortNameOf(vm.id);
  return undefined;
}

function checkPorts(ports: readonly unknown[], path: Path): PathProblem[] {
  const problems: PathProblem[] = [];
  const seen: { index: number; number: number; protocol: string }[] = [];
  ports.forEach((port, index) => {
    if (!isRecord(port)) return;
    const here = [...path, index];
    const single = port.allowedSourceAddressPrefix !== undefined;
    const list = port.allowedSourceAddressPrefixes !== undefined;
    if (single && list) {
      problems.push({ path: here, message: 'has both allowedSourceAddressPrefix and allowedSourceAddressPrefixes: keep only one' });
    } else if (!single && !list) {
      problems.push({
        path: here,
        message:
          'has neither allowedSourceAddressPrefix nor allowedSourceAddressPrefixes: add one (a single prefix, or "*" for any source; or a list of prefixes)',
      });
    }
    const min = typeof port.minRequestAccessDuration === 'string' ? parseDuration(port.minRequestAccessDuration) : undefined;
    const max = typeof port.maxRequestAccessDuration === 'string' ? parseDuration(port.maxRequestAccessDuration) : undefined;
    if (min?.ok && max?.ok && min.seconds > max.seconds) {
      problems.push({
        path: [...here, 'minRequestAccessDuration'],
        message: `the minimum ${formatDuration(min.seconds)} is longer than the maximum ${formatDuration(max.seconds)}: lower it, or raise maxRequestAccessDuration`,
      });
    }
    const protocol = typeof port.protocol === 'string' ? port.protocol.trim().toUpperCase() : undefined;
    if (!Number.isInteger(port.number) || (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== '*')) return;
    const number = port.number as number;
    // `*` covers both protocols, so it overlaps a TCP or UDP entry for the same number.
    const clash = seen.find((other) => other.number === number && (other.protocol === protocol || other.protocol === '*' || protocol === '*'));
    if (clash) {
      problems.push({
        path: here,
        message: `port ${number}/${protocol} overlaps ports[${clash.index}] (${clash.number}/${clash.protocol}): list each port once, or TCP and UDP as separate entries`,
      });
    } else {
      seen.push({ index, number, protocol });
    }
  });
  return problems;
}

/** Which effects use each effect-specific rule key. */
const KEY_EFFECTS: Record<string, readonly string[]> = {
  approvals: ['require_approval'],
  approvers: ['require_approval', 'break_glass'],
  pendingTimeout: ['require_approval'],
  denyEndsRequest: ['require_approval'],
  justification: ['approve', 'require_approval', 'break_glass'],
};
const EFFECTS = ['approve', 'deny', 'require_approval', 'break_glass'];

/** `rootHasApprovers`: the policy lists approvers, who acknowledge break-glass access by default. */
export function checkRules(rules: readonly Located[], rootHasApprovers: boolean): PathProblem[] {
  const problems: PathProblem[] = [];
  const firstByName = new Map<string, Path>();
  for (const { path, value: rule } of rules) {
    if (!isRecord(rule)) continue;
    const effect = rule.effect;
    if (typeof effect === 'string' && EFFECTS.includes(effect)) {
      problems.push(...checkEffectKeys(rule, effect, path));
      if (effect === 'break_glass') problems.push(...checkBreakGlass(rule, path, rootHasApprovers));
    }
    if (isRecord(rule.match) && rule.match.timezone !== undefined && rule.match.hours === undefined && rule.match.weekdays === undefined) {
      problems.push({
        path: [...path, 'match', 'timezone'],
        message: 'a time zone alone changes nothing: add hours or weekdays to read in it, or remove timezone',
      });
    }
    if (typeof rule.name !== 'string' || rule.name.trim() === '') continue;
    const name = rule.name.trim();
    const first = firstByName.get(name.toLowerCase());
    if (first === undefined) firstByName.set(name.toLowerCase(), path);
    else {
      problems.push({
        path: [...path, 'name'],
        message: `the rule name \`${name}\` is already used by ${formatPath(first)}: rule names must be unique (ignoring case)`,
      });
    }
  }
  return problems;
}

function checkEffectKeys(rule: Record<string, unknown>, effect: string, path: Path): PathProblem[] {
  const problems: PathProblem[] = [];
  for (const [key, effects] of Object.entries(KEY_EFFECTS)) {
    if (rule[key] === undefined || effects.includes(effect)) continue;
    const users = effects.length === 1 ? `a ${effects[0]} rule uses` : `${effects.slice(0, -1).join(', ')} and ${effects.at(-1)} rules use`;
    const fix = effects.includes('require_approval') ? `remove ${key}, or set effect: require_approval` : `remove ${key}`;
    problems.push({ path: [...path, key], message: `only ${users} ${key}, and this rule's effect is ${effect}: ${fix}` });
  }
  return problems;
}

// Break-glass skips approval, so the policy must say who may use it and who reviews it afterwards.
function checkBreakGlass(rule: Record<string, unknown>, path: Path, rootHasApprovers: boolean): PathProblem[] {
  const problems: PathProblem[] = [];
  if (!isRecord(rule.match) || rule.match.requesters === undefined) {
    problems.push({
      path: [...path, 'match', 'requesters'],
      message: 'missing: a break_glass rule must name who may break glass: list their user IDs or an on-call user group',
    });
  }
  if (isRecord(rule.justification) && rule.justification.required === false) {
    problems.push({
      path: [...path, 'justification', 'required'],
      message: 'a break_glass rule always requires a justification: remove `required: false`',
    });
  }
  if (rule.approvers === undefined && !rootHasApprovers) {
    problems.push({
      path: [...path, 'approvers'],
      message: 'missing: nobody would acknowledge this break-glass access: add approvers to the rule or to the policy',
    });
  }
  return problems;
}

/**
 * Whether a request can need the policy's own approvers: a require_approval
 * rule that names none, or no rule matching (the default asks the approvers),
 * which only a rule without conditions rules out.
 */
export function needsPolicyApprovers(policy: Pick<Policy, 'rules'>): boolean {
  const catchAll = (rule: Rule) => Object.values(rule.match).every((condition) => condition === undefined);
  const askPolicy = (rule: Rule) => rule.effect === 'require_approval' && (rule.approvers?.length ?? 0) === 0;
  const first = policy.rules.findIndex(catchAll);
  const reachable = first === -1 ? policy.rules : policy.rules.slice(0, first + 1);
  return first === -1 || reachable.some(askPolicy);
}

/**
 * A valid policy that still denies everything needing approval: it names no
 * approvers (an Azure document as Azure writes it has none). Not a problem,
 * since rules that only approve or deny need none, but said at every load and
 * by `jit policy check`, with what to add.
 */
export function noApproversWarning(policy: Pick<Policy, 'rules' | 'approvers'>, file: string): string | undefined {
  if (policy.approvers.length > 0 || !needsPolicyApprovers(policy)) return undefined;
  return `the policy has no approvers, so every request that needs approval is denied: add \`approvers: [U…]\` at the root of ${file} (or rules that approve)`;
}

/** Which on-call services this process can read: their tokens are set. */
export interface OnCallServices {
  pagerduty: boolean;
  opsgenie: boolean;
}

/**
 * Rules whose on-call condition names a service without a token: valid (the
 * token may come with the next deploy), but that part of the condition can
 * never hold, so said at every load and by `jit policy check`, with the fix.
 */
export function onCallWarnings(policy: Pick<Policy, 'rules'>, services: OnCallServices): string[] {
  const warnings: string[] = [];
  for (const rule of policy.rules) {
    const onCall = rule.match.onCall;
    if (onCall === undefined) continue;
    const named = [
      { key: 'pagerduty', name: 'PagerDuty', token: 'JIT_PAGERDUTY_TOKEN', listed: onCall.pagerduty !== undefined, readable: services.pagerduty },
      { key: 'opsgenie', name: 'Opsgenie', token: 'JIT_OPSGENIE_TOKEN', listed: onCall.opsgenie !== undefined, readable: services.opsgenie },
    ].filter((service) => service.listed);
    const unreadable = named.filter((service) => !service.readable);
    if (unreadable.length === 0) continue;
    const tokens = unreadable.map((service) => service.token).join(' and ');
    const outcome = unreadable.length === named.length ? 'the condition can never hold' : `${unreadable[0]?.name} never counts`;
    const fix = unreadable.map((service) => `set ${service.token} or remove ${service.key} from the rule`).join('; ');
    warnings.push(
      `rule ${rule.name}: its on-call condition names ${unreadable.map((service) => service.name).join(' and ')} but ${tokens} ${unreadable.length === 1 ? 'is' : 'are'} not set, so ${outcome}: ${fix}`,
    );
  }
  return warnings;
}
