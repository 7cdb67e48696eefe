// 5. Rule engine throughput: `decide()` (src/domain/rules.ts) beside a reference
// measured in the same run, a naive linear scan of the same rules
// (support/rules-reference.ts): the same requests at the same moments, in
// rounds that alternate between the two. Row 5 is a policy of 1,000 VMs and 50
// rules, parsed by the real policy parser; rows 5b–5d grow it to 10,000 VMs and
// 500 rules, to show how the cost of a decision grows with the policy. Counted
// against the main thread's CPU time, so a figure is what one core gives however
// busy the machine is; wall-clock rates beside them.

import { isDeepStrictEqual } from 'node:util';
import { parsePolicyDocument } from '../src/domain/policy/parse.js';
import { decide, evaluate, type RuleInput } from '../src/domain/rules.js';
import type { Decision, Policy, RequestDraft } from '../src/domain/types.js';
import { type RowSpec, rowOf, type Benchmark, type BenchContext } from './support/context.js';
import { mainThreadCpuMs } from './support/cpu.js';
import { ruleEngineDocument, seeded, teamsFor } from './support/policies.js';
import { scanDecide } from './support/rules-reference.js';
import { count, median, ratio, requireSane } from './support/stats.js';
import type { Row } from './support/table.js';
import { verdictOf } from './support/table.js';

const TARGET_PER_SECOND = 1_000_000;
/** How many more times a decision may cost at the largest policy than at the first (the policy grows 10× in rules). */
const GROWTH_LIMIT = 10;
const REQUESTS = 1000;

interface Size {
  vms: number;
  rules: number;
}

interface Point {
  id: string;
  full: Size;
  smoke: Size;
}

const CURVE: readonly Point[] = [
  { id: '5', full: { vms: 1000, rules: 50 }, smoke: { vms: 100, rules: 10 } },
  { id: '5b', full: { vms: 1000, rules: 500 }, smoke: { vms: 100, rules: 40 } },
  { id: '5c', full: { vms: 10_000, rules: 50 }, smoke: { vms: 400, rules: 10 } },
  { id: '5d', full: { vms: 10_000, rules: 500 }, smoke: { vms: 400, rules: 40 } },
];
const BASE = CURVE[0];

const sizeText = (size: Size) => `${count(size.vms)} VMs and ${count(size.rules)} rules`;

/** The label names the full size; a smoke run's label also says the size it ran. */
function spec(point: Point, smoke: boolean): RowSpec {
  const size = `${sizeText(point.full)}${smoke ? ` (smoke: ${sizeText(point.smoke)})` : ''}`;
  if (point === BASE) {
    return { id: point.id, benchmark: `Rule engine: decisions per second, policy of ${size}, one core`, target: `≥ ${count(TARGET_PER_SECOND)}/s` };
  }
  return {
    id: point.id,
    benchmark: `Rule engine, larger policy: cost per decision, policy of ${size}, one core`,
    target: `< ${GROWTH_LIMIT}× the cost per decision of row 5 (sub-linear)`,
  };
}

function policyOf(size: Size): Policy {
  const parsed = parsePolicyDocument(ruleEngineDocument(size));
  if (!parsed.ok) throw new Error(`the benchmark policy does not parse: ${JSON.stringify(parsed.problems.slice(0, 3))}`);
  return parsed.policy;
}

export function inputs(policy: Policy, n: number): RuleInput[] {
  const next = seeded(7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const sources = ['10.1.2.3/32', '10.20.0.0/16', '203.0.113.9/32', '198.51.100.20/32', '192.0.2.1/32', '*', '2001:db8::7/128'];
  const groups = [[], [], [], ['S0TEAM3'], ['S0ONCALL11'], ['S0TEAM7', 'S0LEADS']];
  // Twelve moments of one week (weekday and weekend, day and night), so time windows
  // both hold and fail; requests decided together share their minute, as real ones do.
  const moments = Array.from({ length: 12 }, (_, i) => Date.UTC(2026, 0, 5) + i * 14 * 3_600_000 + 17 * 60_000);
  return Array.from({ length: n }, () => {
    const vm = pick(policy.vms);
    const port = pick(vm.ports);
    const draft: RequestDraft = {
      requester: next() < 0.1 ? 'U9CONTR15B' : `U${String(Math.floor(next() * 200)).padStart(6, '0')}`,
      vm: vm.name,
      ports: [{ number: port.number, protocol: port.protocol }],
      source: pick(sources),
      durationSeconds: pick([900, 3600, 7200, 10_800]),
      justification: pick(['OPS-123 deploy', 'INC-77 outage', 'deploy hotfix']),
    };
    return { draft, vm, requesterGroups: pick(groups), now: pick(moments) };
  });
}

type Engine = (input: RuleInput, policy: Policy) => Decision;

/** `n` decisions, cycling through `cases`: CPU and wall milliseconds. */
function timed(engine: Engine, policy: Policy, cases: readonly RuleInput[], n: number): { cpu: number; wall: number } {
  let sink = 0;
  const cpu0 = mainThreadCpuMs();
  const wall0 = performance.now();
  for (let i = 0; i < n; i++) sink += engine(cases[i % cases.length]!, policy).approvalsNeeded;
  const wall = performance.now() - wall0;
  const cpu = mainThreadCpuMs() - cpu0;
  if (sink < 0) throw new Error('unreachable: keeps the loop from being optimised away');
  return { cpu, wall };
}

/**
 * Runs `engine` for about `seconds` of the thread's CPU time (warming the JIT up)
 * and says how many decisions make a round of about `round` CPU-seconds.
 */
function calibrate(engine: Engine, policy: Policy, cases: readonly RuleInput[], seconds: number, round: number): number {
  let done = 0;
  const cpu0 = mainThreadCpuMs();
  const wall0 = performance.now();
  let cpu = 0;
  while (cpu < seconds * 1000) {
    timed(engine, policy, cases, cases.length);
    done += cases.length;
    cpu = mainThreadCpuMs() - cpu0;
    // Where the CPU clock does not move (a platform without it), wall time bounds the loop.
    if (performance.now() - wall0 > seconds * 20_000) break;
  }
  const rate = (done / Math.max(cpu, 1)) * 1000;
  return Math.max(cases.length, Math.round((rate * round) / cases.length) * cases.length);
}

type Which = 'decide' | 'scan';

/** One size of the curve and what its rounds measured. */
interface Measured {
  point: Point;
  size: Size;
  /** Rules a decision reaches in policy order (what the scan tries), on average. */
  reached: number;
  /** The first pass over the requests, which builds the index for the VMs they name. */
  coldMs: number;
  mix: string;
  perRound: Record<Which, number>;
  /** Per round: decisions per CPU-second (NaN when the round was too short for the CPU clock) and per wall second. */
  cpu: Record<Which, number[]>;
  wall: Record<Which, number[]>;
}

/** A size ready to be timed. */
interface Prepared extends Measured {
  policy: Policy;
  cases: RuleInput[];
}

function prepare(point: Point, ctx: BenchContext): Prepared {
  const size = ctx.smoke ? point.smoke : point.full;
  const policy = policyOf(size);
  const cases = inputs(policy, REQUESTS);
  const cold = performance.now();
  const decided = cases.map((input) => decide(input, policy));
  const coldMs = performance.now() - cold;
  // The engines must agree with each other and with evaluate() on every request, or the rates mean nothing.
  let reached = 0;
  const effects = new Map<string, number>();
  cases.forEach((input, i) => {
    const evaluation = evaluate(input, policy);
    reached += evaluation.trace.length;
    const quick = decided[i]!;
    if (!isDeepStrictEqual(quick, evaluation.decision) || !isDeepStrictEqual(scanDecide(input, policy), evaluation.decision)) {
      throw new Error(`decide, the scan and evaluate disagree on request ${i}: ${JSON.stringify(quick)}`);
    }
    const key = quick.matchedRule === null ? 'default' : quick.effect;
    effects.set(key, (effects.get(key) ?? 0) + 1);
  });
  const mix = [...effects]
    .sort((a, b) => b[1] - a[1])
    .map(([effect, n]) => `${effect} ${((n / cases.length) * 100).toFixed(0)}%`)
    .join(', ');
  // Rounds of half a CPU-second: the CPU clock ticks in 10 ms steps, so a round is timed to 2%.
  const roundSeconds = ctx.smoke ? 0.02 : 0.5;
  const warmUp = ctx.smoke ? 0.02 : 0.3;
  const perRound = { decide: calibrate(decide, policy, cases, warmUp, roundSeconds), scan: calibrate(scanDecide, policy, cases, warmUp, roundSeconds) };
  return { point, size, policy, cases, reached: reached / cases.length, coldMs, mix, perRound, cpu: { decide: [], scan: [] }, wall: { decide: [], scan: [] } };
}

/** The rate of one round: by CPU time when both sides of a ratio have it, else by wall time. */
function rateOf(p: Measured, which: Which, round: number, byCpu: boolean): number {
  return byCpu ? p.cpu[which][round]! : p.wall[which][round]!;
}

/**
 * Both engines take turns on one size, round after round, so the speed-up over
 * the scan is a ratio taken under the same load. The sizes run one after
 * another, each policy dropped before the next is built: taking turns across
 * sizes too slowed every one of them by a third (the other policies' garbage
 * and caches), which a bot deciding on its one policy does not pay.
 */
function runRounds(p: Prepared, rounds: number, ctx: BenchContext): void {
  for (let round = 0; round < rounds; round++) {
    // Alternate which goes first, so neither always runs on a cache the other warmed.
    const order: readonly Which[] = round % 2 === 0 ? ['decide', 'scan'] : ['scan', 'decide'];
    for (const which of order) {
      const n = p.perRound[which];
      const t = timed(which === 'decide' ? decide : scanDecide, p.policy, p.cases, n);
      p.cpu[which].push(t.cpu > 0 ? (n / t.cpu) * 1000 : Number.NaN);
      p.wall[which].push((n / t.wall) * 1000);
    }
    ctx.log(`rules ${sizeText(p.size)}: round ${round + 1}/${rounds}: decide ${count(p.cpu.decide.at(-1)!)}/s CPU, scan ${count(p.cpu.scan.at(-1)!)}/s CPU`);
  }
}

/** Median over the rounds of a ratio of two rates taken in the same round. */
function medianRatio(rounds: number, a: Measured, aWhich: Which, b: Measured, bWhich: Which): number {
  return median(
    Array.from({ length: rounds }, (_, r) => {
      const byCpu = Number.isFinite(a.cpu[aWhich][r]!) && Number.isFinite(b.cpu[bWhich][r]!);
      return rateOf(a, aWhich, r, byCpu) / rateOf(b, bWhich, r, byCpu);
    }),
  );
}

function rate(p: Measured, which: Which): number {
  const value = p.cpu[which].every(Number.isFinite) ? median(p.cpu[which]) : median(p.wall[which]);
  return requireSane(`${which} decisions per second`, value, { min: 10 });
}

const nanos = (perSecond: number) => `${count(1e9 / perSecond)} ns`;

function baseRow(p: Measured, rounds: number, smoke: boolean): Row {
  const decided = rate(p, 'decide');
  return rowOf(spec(p.point, smoke), {
    measured: `${count(decided)} decisions/s per CPU-second of the one thread (${nanos(decided)} a decision), ${ratio(medianRatio(rounds, p, 'decide', p, 'scan'))} the reference`,
    reference: `a naive linear scan of the same rules, same requests and moments, rounds alternating: ${count(rate(p, 'scan'))}/s per CPU-second; wall clock ${count(median(p.wall.decide))}/s against ${count(median(p.wall.scan))}/s on this shared machine; median of ${rounds} rounds each; in policy order a decision reaches ${p.reached.toFixed(1)} of ${p.size.rules} rules; ${p.mix}`,
    verdict: verdictOf(decided >= TARGET_PER_SECOND),
  });
}

function curveRow(p: Measured, base: Measured, rounds: number, smoke: boolean): Row {
  // Cost per decision relative to row 5: its rate over this size's.
  const decided = rate(p, 'decide');
  const scanned = rate(p, 'scan');
  const growth = rate(base, 'decide') / decided;
  const scanGrowth = rate(base, 'scan') / scanned;
  return rowOf(spec(p.point, smoke), {
    measured: `${count(decided)} decisions/s per CPU-second (${nanos(decided)} a decision): ${ratio(growth)} the cost of row 5, for ${ratio(p.size.rules / base.size.rules)} the rules and ${ratio(p.size.vms / base.size.vms)} the VMs; ${ratio(medianRatio(rounds, p, 'decide', p, 'scan'))} the reference`,
    reference: `the naive scan, in the same rounds: ${count(scanned)}/s (${nanos(scanned)} a decision), ${ratio(scanGrowth)} its cost of row 5; a decision reaches ${p.reached.toFixed(1)} of ${p.size.rules} rules in policy order; ${teamsFor(p.size.rules)} teams; first pass over the ${count(REQUESTS)} requests (index built for their VMs) ${p.coldMs.toFixed(0)} ms; ${p.mix}`,
    verdict: verdictOf(growth < GROWTH_LIMIT),
  });
}

export const ruleEngine: Benchmark = {
  name: 'rules',
  rows: CURVE.map((point) => spec(point, false)),
  async run(ctx) {
    const rounds = ctx.smoke ? 2 : 5;
    const all = CURVE.map((point) => {
      const p = prepare(point, ctx);
      runRounds(p, rounds, ctx);
      // Only the figures are kept: the next size is measured without this policy in memory.
      const { policy: _policy, cases: _cases, ...measured } = p;
      return measured;
    });
    const [base, ...larger] = all as [Measured, ...Measured[]];
    return [baseRow(base, rounds, ctx.smoke), ...larger.map((p) => curveRow(p, base, rounds, ctx.smoke))];
  },
};
