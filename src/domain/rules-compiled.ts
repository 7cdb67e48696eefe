// The rule engine's quick path: which rule a request matches, without a trace.
// Each rule list is compiled once into checks on numbers (durations, IPv4
// prefixes as integers, time windows as weekday masks and minutes), indexed by
// VM, port and named requester, so a decision tries only the few rules that can
// hold for it and builds nothing on the way (bench/rule-engine.ts). It must
// agree with `evaluate` (rules.ts) on every request:
// test/domain/rules-decide.test.ts checks that over generated policies.
//
// Everything here is keyed by identity, which is sound because a policy is a
// value: the parser deep-freezes what it returns, and every change (a reload, an
// admin's edit) makes a new Policy, so no index can answer from a stale rule.

import { parseCidr } from './cidr.js';
import { matchGlob } from './glob.js';
import { type OnCallAnswers, onCallKey } from './rules-on-call.js';
import { inWindow, localCode, type ZoneClock, WEEKDAYS, zoneClock } from './time-window.js';
import type { RequestedPort, Rule, RuleMatch, VmPolicy } from './types.js';

/** What the quick path reads of a request (rules.ts's RuleInput). */
export interface MatchInput {
  draft: { requester: string; ports: readonly RequestedPort[]; source: string; durationSeconds: number };
  vm: VmPolicy;
  requesterGroups: readonly string[];
  now: number;
  onCall?: OnCallAnswers;
}

interface Sources {
  /** A whole-family prefix (0.0.0.0/0, ::/0) is listed: the request source `*` holds. */
  any: boolean;
  /** IPv4 prefixes as integer ranges, low and high side by side. */
  v4: readonly number[];
  v6: readonly bigint[];
}

interface TimeWindow {
  /** undefined: the zone is unknown, so the window never holds (fail closed). */
  clock: ZoneClock | undefined;
  /** Bit i set: weekday i (WEEKDAYS, Monday 0) is allowed. */
  days: number;
  hours: { from: number; to: number } | undefined;
}

interface CompiledRule {
  rule: Rule;
  /** Position in the policy: the first matching rule wins. */
  order: number;
  /** Infinity when the rule sets no maximum. */
  maxSeconds: number;
  ports: readonly number[] | undefined;
  sources: Sources | undefined;
  time: TimeWindow | undefined;
  /** onCallKey of the rule's on-call condition: it holds only on a positive answer under that key. */
  onCall: string | undefined;
}

interface VmIndex {
  /** holds[order] is 1 when the rule's `vms` and `tags` hold for this VM. */
  holds: Uint8Array;
  /** Rules naming no requesters whose VM conditions hold, in order; ports not yet checked. */
  general: readonly CompiledRule[];
  /** `general` narrowed to the rules whose `ports` hold for a request of that one port. */
  byPort: Map<number, readonly CompiledRule[]>;
}

interface Compiled {
  rules: readonly CompiledRule[];
  /** Rules with `requesters`, under every principal they name, in order. */
  byPrincipal: Map<string, readonly CompiledRule[]>;
  /** Whether any rule reads the source: if none does, a decision does not parse it. */
  readsSource: boolean;
  byVm: WeakMap<VmPolicy, VmIndex>;
}

const compiledLists = new WeakMap<readonly Rule[], Compiled>();

/** The first rule of `rules` that `input` matches, as `evaluate` would find it; undefined when none does. */
export function firstMatchingRule(input: MatchInput, rules: readonly Rule[]): Rule | undefined {
  const compiled = compiledOf(rules);
  const index = vmIndexOf(compiled, input.vm);
  const ports = input.draft.ports;
  const source = compiled.readsSource ? sourceOf(input.draft.source) : INVALID;
  let best: CompiledRule | undefined;
  if (ports.length === 1) {
    const list = portList(index, (ports[0] as RequestedPort).number);
    for (let i = 0; i < list.length; i++) {
      const rule = list[i] as CompiledRule;
      if (restHolds(rule, input, source)) {
        best = rule;
        break;
      }
    }
  } else {
    const list = index.general;
    for (let i = 0; i < list.length; i++) {
      const rule = list[i] as CompiledRule;
      if (portsHold(rule.ports, ports) && restHolds(rule, input, source)) {
        best = rule;
        break;
      }
    }
  }
  if (compiled.byPrincipal.size > 0) {
    best = firstNamed(compiled.byPrincipal.get(input.draft.requester), index, input, source, best);
    const groups = input.requesterGroups;
    for (let g = 0; g < groups.length; g++) best = firstNamed(compiled.byPrincipal.get(groups[g] as string), index, input, source, best);
  }
  return best?.rule;
}

/** The first rule of `list` (rules naming one of the requester's principals) that holds, if it comes before `best`. */
function firstNamed(
  list: readonly CompiledRule[] | undefined,
  index: VmIndex,
  input: MatchInput,
  source: Source,
  best: CompiledRule | undefined,
): CompiledRule | undefined {
  if (list === undefined) return best;
  const limit = best === undefined ? Number.POSITIVE_INFINITY : best.order;
  for (let i = 0; i < list.length; i++) {
    const rule = list[i] as CompiledRule;
    if (rule.order >= limit) break;
    if (index.holds[rule.order] === 1 && portsHold(rule.ports, input.draft.ports) && restHolds(rule, input, source)) return rule;
  }
  return best;
}

/** Duration, source, time window and on-call, cheapest first (VM, ports and requesters are the index's). */
function restHolds(rule: CompiledRule, input: MatchInput, source: Source): boolean {
  if (input.draft.durationSeconds > rule.maxSeconds) return false;
  if (rule.sources !== undefined && !sourceHolds(rule.sources, source)) return false;
  if (rule.time !== undefined && !timeHolds(rule.time, input.now)) return false;
  if (rule.onCall !== undefined && input.onCall?.get(rule.onCall)?.onCall !== true) return false;
  return true;
}

function portsHold(allowed: readonly number[] | undefined, ports: readonly RequestedPort[]): boolean {
  if (allowed === undefined) return true;
  for (let i = 0; i < ports.length; i++) if (!allowed.includes((ports[i] as RequestedPort).number)) return false;
  return true;
}

// The rule list decided last, beside the map: decisions come one policy at a
// time, and this skips a WeakMap lookup per decision (bench/rule-engine.ts).
// It keeps a replaced policy's index only until the next decision.
let last: { rules: readonly Rule[]; compiled: Compiled } | undefined;

function compiledOf(rules: readonly Rule[]): Compiled {
  if (last?.rules === rules) return last.compiled;
  let compiled = compiledLists.get(rules);
  if (compiled === undefined) {
    const list = rules.map(compileRule);
    const byPrincipal = new Map<string, CompiledRule[]>();
    for (const rule of list) {
      // An empty list names nobody: the rule never holds, so it is under no principal.
      for (const principal of new Set(rule.rule.match.requesters ?? [])) {
        const named = byPrincipal.get(principal);
        if (named === undefined) byPrincipal.set(principal, [rule]);
        else named.push(rule);
      }
    }
    compiled = { rules: list, byPrincipal, readsSource: list.some((rule) => rule.sources !== undefined), byVm: new WeakMap() };
    compiledLists.set(rules, compiled);
  }
  last = { rules, compiled };
  return compiled;
}

function compileRule(rule: Rule, order: number): CompiledRule {
  const match = rule.match;
  return {
    rule,
    order,
    maxSeconds: match.maxDurationSeconds ?? Number.POSITIVE_INFINITY,
    ports: match.ports,
    sources: match.sources === undefined ? undefined : compileSources(match.sources),
    time: match.hours === undefined && match.weekdays === undefined ? undefined : compileWindow(match),
    onCall: match.onCall === undefined ? undefined : onCallKey(match.onCall),
  };
}

function compileSources(texts: readonly string[]): Sources {
  const v4: number[] = [];
  const v6: bigint[] = [];
  let any = false;
  // Unparseable rule entries contain nothing: a typo must not widen a rule.
  for (const text of texts) {
    const parsed = parseCidr(text);
    if (!parsed.ok) continue;
    const { family, prefix, start, end } = parsed.cidr;
    if (prefix === 0) any = true;
    if (family === 4) v4.push(Number(start), Number(end));
    else v6.push(start, end);
  }
  return { any, v4, v6 };
}

function compileWindow(match: RuleMatch): TimeWindow {
  let clock: ZoneClock | undefined;
  try {
    clock = zoneClock(match.timezone ?? 'UTC');
  } catch {
    // Only a hand-built policy can get here (the parser checks zones).
    clock = undefined;
  }
  let days = 0;
  for (const day of match.weekdays ?? WEEKDAYS) {
    const i = WEEKDAYS.indexOf(day);
    if (i >= 0) days |= 1 << i;
  }
  return { clock, days, hours: match.hours };
}

function timeHolds(window: TimeWindow, now: number): boolean {
  if (window.clock === undefined) return false;
  let code: number;
  try {
    code = localCode(window.clock, now);
  } catch {
    return false;
  }
  const day = Math.floor(code / 1440);
  if (((window.days >> day) & 1) === 0) return false;
  return window.hours === undefined || inWindow(code % 1440, window.hours);
}

function vmIndexOf(compiled: Compiled, vm: VmPolicy): VmIndex {
  let index = compiled.byVm.get(vm);
  if (index === undefined) {
    const holds = new Uint8Array(compiled.rules.length);
    const general: CompiledRule[] = [];
    for (const rule of compiled.rules) {
      if (!vmConditionsHold(rule.rule.match, vm)) continue;
      holds[rule.order] = 1;
      if (rule.rule.match.requesters === undefined) general.push(rule);
    }
    index = { holds, general, byPort: new Map() };
    compiled.byVm.set(vm, index);
  }
  return index;
}

function portList(index: VmIndex, port: number): readonly CompiledRule[] {
  let list = index.byPort.get(port);
  if (list === undefined) {
    list = index.general.filter((rule) => rule.ports === undefined || rule.ports.includes(port));
    index.byPort.set(port, list);
  }
  return list;
}

function vmConditionsHold(match: RuleMatch, vm: VmPolicy): boolean {
  if (match.vms !== undefined && !match.vms.some((pattern) => matchGlob(pattern, vm.name))) return false;
  const tags = match.tags ?? {};
  for (const key of Object.keys(tags)) {
    const want = tags[key];
    const have = Object.hasOwn(vm.tags, key) ? vm.tags[key] : undefined;
    if (have === undefined || (want !== '*' && have !== want)) return false;
  }
  return true;
}

/** A request's source as the checks read it: `*`, an address range of one family, or not an address. */
interface Source {
  kind: 'any' | 4 | 6 | 'invalid';
  low: number;
  high: number;
  wideLow: bigint;
  wideHigh: bigint;
}

const INVALID: Source = Object.freeze({ kind: 'invalid', low: 0, high: -1, wideLow: 0n, wideHigh: -1n });
const ANY: Source = Object.freeze({ kind: 'any', low: 0, high: -1, wideLow: 0n, wideHigh: -1n });

// Requests come from few sources; parsing one is a map lookup away (parseCidr
// memoises too, but its answer holds bigints). Bounded so odd sources cannot grow it.
const sources = new Map<string, Source>();
const SOURCES_LIMIT = 1024;

function sourceOf(text: string): Source {
  if (text === '*') return ANY;
  let source = sources.get(text);
  if (source === undefined) {
    const parsed = parseCidr(text);
    if (!parsed.ok) source = INVALID;
    else {
      const { family, start, end } = parsed.cidr;
      source = Object.freeze({ kind: family, low: Number(start), high: Number(end), wideLow: start, wideHigh: end });
    }
    if (sources.size >= SOURCES_LIMIT) sources.clear();
    sources.set(text, source);
  }
  return source;
}

function sourceHolds(allowed: Sources, source: Source): boolean {
  switch (source.kind) {
    case 'any':
      // "Any source" is only inside a rule that itself allows a whole address family.
      return allowed.any;
    case 4: {
      const v4 = allowed.v4;
      for (let i = 0; i < v4.length; i += 2) if (source.low >= (v4[i] as number) && source.high <= (v4[i + 1] as number)) return true;
      return false;
    }
    case 6: {
      const v6 = allowed.v6;
      for (let i = 0; i < v6.length; i += 2) if (source.wideLow >= (v6[i] as bigint) && source.wideHigh <= (v6[i + 1] as bigint)) return true;
      return false;
    }
    default:
      return false;
  }
}
