// Extending a grant against the real kernel, with real TCP connections between
// network namespaces (topology in test/support/netns.ts): after an extension
// the port stays open past the original end and closes at the new one, with
// no bot left to close it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import type { GrantSpec } from '../../../src/ports/firewall.js';
import { NftablesBackend } from '../../../src/firewall/nftables/backend.js';
import {
  ADDRESSES,
  createTopology,
  destroyTopology,
  netnsUnavailable,
  probe,
  removeStaleNamespaces,
  run,
  startListener,
  type Topology,
} from '../../support/netns.js';

const unavailable = await netnsUnavailable();
if (unavailable) console.warn(`nftables extend netns suite skipped: ${unavailable}`);

const sleepUntil = (at: number): Promise<void> => new Promise((done) => setTimeout(done, Math.max(0, at - Date.now())));
/** The kernel timeout ends KERNEL_MARGIN_MS (10 ms) after the grant; allow for that and for scheduling. */
const AFTER_END_MS = 700;
const vm4 = ADDRESSES.vm.v4;

describe.skipIf(unavailable !== undefined)('nftables extend in network namespaces', () => {
  let topology: Topology;
  let listener: ChildProcess | undefined;

  beforeAll(async () => {
    await removeStaleNamespaces();
    topology = await createTopology();
    listener = await startListener(topology.vm, 22);
  });

  afterAll(async () => {
    listener?.kill('SIGKILL');
    if (topology) await destroyTopology(topology);
  });

  it('extend_openGrant_kernelKeepsItOpenUntilTheNewEndThenCloses', async () => {
    const backend = new NftablesBackend({ command: ['ip', 'netns', 'exec', topology.gw, 'nft'] });
    await backend.protect([{ vmId: 'vm', vmName: 'vm', address: vm4, port: 22, protocol: 'TCP' }]);
    const spec: GrantSpec = {
      requestId: 'grant7',
      vmId: 'vm',
      vmName: 'vm',
      address: vm4,
      ports: [{ number: 22, protocol: 'TCP' }],
      source: ADDRESSES.c1.v4,
      endAt: Date.now() + 2_000,
    };
    await backend.open(spec);
    expect(await probe(topology.c1, vm4)).toBe('open');

    const newEnd = spec.endAt + 3_000;
    await backend.extend({ ...spec, endAt: newEnd });
    const [expires] = await expiresSeconds(topology.gw);
    expect(expires).toBeGreaterThanOrEqual(4);

    await sleepUntil(spec.endAt + AFTER_END_MS);
    expect(await Promise.all([probe(topology.c1, vm4), probe(topology.c2, vm4)])).toEqual(['open', 'blocked']);
    await sleepUntil(newEnd + AFTER_END_MS);
    expect(await probe(topology.c1, vm4)).toBe('blocked');
    // Expired in the kernel: a late extension must not bring it back.
    await expect(backend.extend({ ...spec, endAt: newEnd + 60_000 })).rejects.toThrow(/nothing to extend/);
    expect(await probe(topology.c1, vm4)).toBe('blocked');
  });
});

/** `expires` (whole seconds) of every allow element in the gateway's jit table. */
async function expiresSeconds(ns: string): Promise<number[]> {
  const out = await run(['ip', 'netns', 'exec', ns, 'nft', '-j', 'list', 'table', 'inet', 'jit']);
  return [...out.matchAll(/"expires": (\d+)/g)].map((match) => Number(match[1]));
}
