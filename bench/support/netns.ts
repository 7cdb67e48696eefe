// Network namespaces for the nftables benchmarks, built with the test suite's
// helpers (test/support/netns.ts): names carry this process's pid, so a run that
// died is cleaned up by the next run (or the next test run). Every namespace
// made here is removed when its benchmark ends, fails, or the suite is interrupted.

import { execFileSync } from 'node:child_process';
import { createTopology, destroyTopology, netnsUnavailable, removeNamespace, removeStaleNamespaces, run, type Topology } from '../../test/support/netns.js';

const created = new Set<string>();
let checked: Promise<string | undefined> | undefined;

/** Why nftables benchmarks cannot run here (not root, no nft, no namespaces), or undefined. */
export function nftUnavailable(): Promise<string | undefined> {
  checked ??= (async () => {
    if (process.getuid?.() !== 0) return 'needs root for network namespaces and nft';
    const why = await netnsUnavailable();
    if (why === undefined) await removeStaleNamespaces();
    return why;
  })();
  return checked;
}

/** One empty namespace for a firewall that sees no traffic: `jit-<pid>-<suffix>`. */
export async function withNamespace<T>(suffix: string, work: (ns: string) => Promise<T>): Promise<T> {
  const ns = `jit-${process.pid}-${suffix}`;
  created.add(ns);
  try {
    await run(['ip', 'netns', 'add', ns]);
    return await work(ns);
  } finally {
    await removeNamespace(ns);
    created.delete(ns);
  }
}

/** Client, gateway and VM namespaces with real routing (see test/support/netns.ts), for real TCP probes. */
export async function withTopology<T>(work: (topology: Topology) => Promise<T>): Promise<T> {
  const topology = await createTopology();
  for (const ns of topology.all) created.add(ns);
  try {
    return await work(topology);
  } finally {
    await destroyTopology(topology);
    for (const ns of topology.all) created.delete(ns);
  }
}

/** For a signal handler: removes what is left, synchronously. */
export function removeNamespacesNow(): void {
  for (const ns of created) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
  created.clear();
}

/** `ip netns exec <ns> nft`, as JIT_NFT_COMMAND words. */
export function nftIn(ns: string): string[] {
  return ['ip', 'netns', 'exec', ns, 'nft'];
}
