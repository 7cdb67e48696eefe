// Policies the benchmarks run the bot with.

/** One VM, one port open to any source for up to three hours; who approves, and an optional rule list. */
export function singleVmPolicy(options: { address: string; backend?: string; rules?: string }): string {
  return `approvers: [UAPPROVER1, UAPPROVER2]
${options.rules ?? ''}
virtualMachines:
  - id: /subscriptions/0000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web-1
    address: ${options.address}
${options.backend ? `    backend: ${options.backend}\n` : ''}    ports:
      - number: 22
        protocol: TCP
        allowedSourceAddressPrefix: "*"
        maxRequestAccessDuration: PT3H
`;
}

/** Every request is approved by the rule engine at once (expiry benchmarks want grants, not approvers). */
export const AUTO_APPROVE = `rules:
  - name: auto
    match: {vms: ["web-*"]}
    effect: approve
`;

/** A distinct /32 for grant `i` in 198.18.0.0/15 (the benchmarking range), so no two grants overlap. */
export function benchSource(i: number): string {
  return `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
}

// The rule engine's policy (bench/rule-engine.ts): generated, parsed by the real
// parser, the same every run.

const ROLES = ['web', 'api', 'db', 'cache', 'queue', 'batch', 'bastion', 'win'] as const;
const ENVS = ['prod', 'staging', 'dev'] as const;

/** A small deterministic PRNG (mulberry32): the same policy and requests every run. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * How many teams a policy of `rules` rules names: ten at 50 rules, and one more
 * for every five rules beyond, as a larger organisation writes more rules
 * because it has more teams, not the same rules again under other names.
 */
export function teamsFor(rules: number): number {
  return Math.max(10, Math.floor(rules / 5));
}

function vmName(i: number): string {
  return `${ROLES[i % ROLES.length]}-${String(i).padStart(4, '0')}`;
}

function vmDocument(i: number, teams: number): Record<string, unknown> {
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
    tags: { env: ENVS[i % 3], team: `team-${i % teams}`, ...(i % 7 === 0 ? { pci: 'true' } : {}) },
    ports: windows
      ? [port(3389), port(5985), port(5986)]
      : [{ number: 22, protocol: 'TCP', allowedSourceAddressPrefix: '*', maxRequestAccessDuration: 'PT3H' }],
  };
}

/** Rules of every kind of condition, most of them narrow, so a typical request reaches many in policy order. */
function ruleDocuments(rules: number, teams: number): Record<string, unknown>[] {
  return Array.from({ length: rules }, (_, k) => {
    const role = ROLES[k % ROLES.length];
    const team = `team-${k % teams}`;
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
          match: { tags: { team }, requesters: [`S0TEAM${k % teams}`], maxDuration: 'PT2H' },
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

/** The rule engine's policy as a document for the policy parser: `vms` VMs, `rules` rules. */
export function ruleEngineDocument(size: { vms: number; rules: number }): Record<string, unknown> {
  const teams = teamsFor(size.rules);
  return {
    approvers: ['UAPPROVER1', 'S0LEADS'],
    rules: ruleDocuments(size.rules, teams),
    virtualMachines: Array.from({ length: size.vms }, (_, i) => vmDocument(i, teams)),
  };
}
