// 5. Rule engine throughput: `decide()` (src/domain/rules.ts) on a policy of
// 1,000 VMs and 50 rules, parsed by the real policy parser, over 1,000 varied
// requests. Counted against the main thread's CPU time, so the figure is what
// one core gives however busy the machine is; wall-clock rate beside it.

import { plainText } from '../src/domain/message.js';
import { decide, evaluate, type RuleInput } from '../src/domain/rules.js';
import { parsePolicyDocument } from '../src/domain/policy/parse.js';
import type { Policy, RequestDraft } from '../src/domain/types.js';
import { rowOf, type Benchmark } from './support/context.js';
import { mainThreadCpuMs } from './support/cpu.js';
import { count, median, requireSane } from './support/stats.js';
import { verdictOf } from './support/table.js';

const TARGET_PER_SECOND = 200_000;
const VMS = 1000;
const RULES = 50;

const ROW = {
  id: '5',
  benchmark: `Rule engine: decisions per second, policy of ${count(VMS)} VMs and ${RULES} rules, one core`,
  target: `≥ ${count(TARGET_PER_SECOND)}/s`,
};

const ROLES = ['web', 'api', 'db', 'cache', 'queue', 'batch', 'bastion', 'win'] as const;
const ENVS = ['prod', 'staging', 'dev'] as const;

/** A small deterministic PRNG (mulberry32): the same policy and requests every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function vmName(i: number): string {
  return `${ROLES[i % ROLES.length]}-${String(i).padStart(4, '0')}`;
}

function vmDocument(i: number): Record<string, unknown> {
  const windows = ROLES[i % ROLES.length] === 'win';
  const port = (number: number) => ({
    number,
    protocol: 'TCP',
    allowedSourceAddressPrefixes: ['10.0.0.0/8', '203.0.113.0/24'],
    maxRequestAccessDuration: 'PT3H',
  });
  return {
    id: `/subscriptions/0000/resourceGroups/rg-${i % 20}/providers/Microsoft.Compute/virtualMachines/${vmName(i)}`,
    address: `10.${(i >> 8) & 255}.${i & 255}.4`,
    tags: { env: ENVS[i % 3], team: `team-${i % 10}`, ...(i % 7 === 0 ? { pci: 'true' } : {}) },
    ports: windows
      ? [port(3389), port(5985), port(5986)]
      : [{ number: 22, protocol: 'TCP', allowedSourceAddressPrefix: '*', maxRequestAccessDuration: 'PT3H' }],
  };
}

/** Fifty rules of every kind of condition, most of them narrow, so a typical request tries many. */
function ruleDocuments(): Record<string, unknown>[] {
  return Array.from({ length: RULES }, (_, k) => {
    const role = ROLES[k % ROLES.length];
    const team = `team-${k % 10}`;
    switch (k % 10) {
      case 0:
        return {
          name: `deny-prod-${role}-at-night-${k}`,
          match: { vms: [`${role}-*`], tags: { env: 'prod' }, hours: '22:00-06:00', timezone: 'Europe/Paris' },
          effect: 'deny',
          reason: 'no production changes at night',
        };
      case 1:
        return {
          name: `oncall-break-glass-${k}`,
          match: { requesters: [`S0ONCALL${k}`], tags: { env: 'prod' } },
          effect: 'break_glass',
          justification: { required: true, pattern: '^INC-\\d+' },
        };
      case 2:
        return {
          name: `dev-self-service-${k}`,
          match: { tags: { env: 'dev', team }, maxDuration: 'PT1H', sources: ['10.0.0.0/8', '192.168.0.0/16'] },
          effect: 'approve',
        };
      case 3:
        return {
          name: `staging-office-hours-${k}`,
          match: {
            tags: { env: 'staging', team },
            sources: ['203.0.113.0/24'],
            weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'],
            hours: '08:00-19:00',
            timezone: 'America/New_York',
          },
          effect: 'approve',
        };
      case 4:
        return {
          name: `databases-two-approvals-${k}`,
          match: { vms: ['db-*', `cache-0${k % 10}??`], ports: [22, 5432], tags: { team } },
          effect: 'require_approval',
          approvals: 2,
        };
      case 5:
        return {
          name: `contractors-${k}`,
          match: { requesters: [`U9CONTR${k}A`, `U9CONTR${k}B`, `U9CONTR${k}C`] },
          effect: 'require_approval',
          approvers: ['S0LEADS'],
        };
      case 6:
        return {
          name: `windows-weekends-${k}`,
          match: { vms: ['win-*'], ports: [3389, 5985], weekdays: ['sat', 'sun'], timezone: 'Asia/Tokyo', tags: { team } },
          effect: 'deny',
        };
      case 7:
        return {
          name: `${team}-owns-its-vms-${k}`,
          match: { tags: { team }, requesters: [`S0TEAM${k % 10}`], maxDuration: 'PT2H' },
          effect: 'approve',
          justification: { required: true, pattern: '^[A-Z]+-\\d+' },
        };
      case 8:
        return { name: `bastion-from-vpn-${k}`, match: { vms: [`bastion-0${k % 10}*`], sources: ['198.51.100.0/24', '2001:db8::/32'] }, effect: 'approve' };
      default:
        return {
          name: `pci-${role}-${k}`,
          match: { vms: [`${role}-*`], tags: { pci: 'true' } },
          effect: 'require_approval',
          approvals: 2,
          pendingTimeout: '15m',
        };
    }
  });
}

export function benchPolicy(): Policy {
  const parsed = parsePolicyDocument({
    approvers: ['UAPPROVER1', 'S0LEADS'],
    rules: ruleDocuments(),
    virtualMachines: Array.from({ length: VMS }, (_, i) => vmDocument(i)),
  });
  if (!parsed.ok) throw new Error(`the benchmark policy does not parse: ${JSON.stringify(parsed.problems.slice(0, 3))}`);
  return parsed.policy;
}

export function inputs(policy: Policy, n: number): RuleInput[] {
  const next = random(7);
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

export const ruleEngine: Benchmark = {
  name: 'rules',
  rows: [ROW],
  async run(ctx) {
    const policy = benchPolicy();
    const cases = inputs(policy, 1000);
    // What the requests look like to the engine (outside the timing): how many rules each tries, what it decides.
    const traces = cases.map((input) => evaluate(input, policy).trace);
    const tried = traces.map((trace) => trace.length);
    // decide() skips the rules whose VM conditions (vms, tags) cannot hold for the VM: those that fail on a `VM …` sentence.
    const indexed = traces.map((trace) => trace.filter((row) => row.matched || !row.failed.some((reason) => plainText(reason).startsWith('VM '))).length);
    const effects = new Map<string, number>();
    for (const input of cases) {
      const decision = decide(input, policy);
      const key = decision.matchedRule === null ? 'default' : decision.effect;
      effects.set(key, (effects.get(key) ?? 0) + 1);
    }
    const meanTried = tried.reduce((a, b) => a + b, 0) / tried.length;
    const meanIndexed = indexed.reduce((a, b) => a + b, 0) / indexed.length;

    const rounds = ctx.smoke ? 2 : 7;
    const perRound = ctx.smoke ? 20_000 : 300_000;
    const cpuRates: number[] = [];
    const wallRates: number[] = [];
    let sink = 0;
    // One unmeasured round first, so the JIT has compiled what the measured ones run.
    for (let round = -1; round < rounds; round++) {
      const cpu0 = mainThreadCpuMs();
      const wall0 = performance.now();
      for (let i = 0; i < perRound; i++) sink += decide(cases[i % cases.length]!, policy).approvalsNeeded;
      const cpu = mainThreadCpuMs() - cpu0;
      const wall = performance.now() - wall0;
      if (round < 0) continue;
      // The CPU clock ticks in 10 ms steps: a round shorter than a tick cannot be timed by it.
      cpuRates.push(cpu > 0 ? (perRound / cpu) * 1000 : Number.NaN);
      wallRates.push((perRound / wall) * 1000);
      ctx.log(`rules: round ${round + 1}/${rounds}: ${count(wallRates.at(-1)!)}/s wall, ${count(cpuRates.at(-1)!)}/s CPU`);
    }
    if (sink < 0) throw new Error('unreachable: keeps the loop from being optimised away');
    const wall = median(wallRates);
    const cpuRate = cpuRates.every(Number.isFinite) ? median(cpuRates) : wall;
    requireSane('decisions per second', cpuRate, { min: 100 });
    const mix = [...effects]
      .sort((a, b) => b[1] - a[1])
      .map(([effect, n]) => `${effect} ${((n / cases.length) * 100).toFixed(0)}%`)
      .join(', ');
    return [
      rowOf(ROW, {
        measured: `${count(cpuRate)} decisions/s per CPU-second of the one thread (median of ${rounds} rounds of ${count(perRound)})`,
        reference: `wall clock ${count(wall)}/s on this shared machine; in policy order a decision reaches ${meanTried.toFixed(1)} of ${RULES} rules, of which ${meanIndexed.toFixed(1)} pass the per-VM index and are tried; ${mix}`,
        verdict: verdictOf(cpuRate >= TARGET_PER_SECOND),
      }),
    ];
  },
};
