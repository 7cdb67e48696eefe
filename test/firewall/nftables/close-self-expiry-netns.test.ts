// Grants ending together on the real kernel: their elements' timeouts end a
// few ms after the grants (KERNEL_MARGIN_MS), so closes made at the ends are
// confirmed by the elements' absence without one `delete element`; an element
// that outlives what its close expected is still deleted.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GrantSpec } from '../../../src/ports/firewall.js';
import { NftablesBackend } from '../../../src/firewall/nftables/backend.js';
import { commandRunner, type NftRunner } from '../../../src/firewall/nftables/runner.js';
import { ADDRESSES, createTopology, destroyTopology, netnsUnavailable, removeStaleNamespaces, type Topology } from '../../support/netns.js';

const unavailable = await netnsUnavailable();
if (unavailable) console.warn(`nftables close-self-expiry netns suite skipped: ${unavailable}`);

const vm4 = ADDRESSES.vm.v4;
const sleepUntil = (at: number): Promise<void> => new Promise((done) => setTimeout(done, Math.max(0, at - Date.now())));

function grant(requestId: string, source: string, endAt: number): GrantSpec {
  return { requestId, vmId: 'vm', vmName: 'vm', address: vm4, ports: [{ number: 22, protocol: 'TCP' }], source, endAt };
}

describe.skipIf(unavailable !== undefined)('nftables closes left to the kernel timeouts, in a network namespace', () => {
  let topology: Topology;
  let backend: NftablesBackend;
  const scripts: string[] = [];

  beforeAll(async () => {
    await removeStaleNamespaces();
    topology = await createTopology();
    const real = commandRunner(['ip', 'netns', 'exec', topology.gw, 'nft']);
    const runner: NftRunner = {
      run(args, input) {
        if (args[0] === '-f') scripts.push(input ?? '');
        return real.run(args, input);
      },
    };
    backend = new NftablesBackend({ runner });
    await backend.protect([{ vmId: 'vm', vmName: 'vm', address: vm4, port: 22, protocol: 'TCP' }]);
  });

  afterAll(async () => {
    if (topology) await destroyTopology(topology);
  });

  it('closes_atTheirEnds_areConfirmedByAbsence_withoutADelete', async () => {
    const start = Date.now();
    const grants = Array.from({ length: 40 }, (_, i) => grant(`ends${String(i).padStart(2, '0')}`, `198.51.100.${i + 1}/32`, start + 1_500 + i * 10));
    await Promise.all(grants.map((g) => backend.open(g)));
    await backend.open(grant('stays0', '198.51.99.1/32', start + 600_000));
    expect(await backend.list()).toHaveLength(41);
    scripts.length = 0;

    // As the scheduler closes them: each at its end.
    await Promise.all(grants.map((g) => sleepUntil(g.endAt).then(() => backend.close(g))));

    expect(scripts.filter((script) => script.includes('delete element'))).toEqual([]);
    expect((await backend.list()).map((rule) => rule.requestId)).toEqual(['stays0']);
  }, 20_000);

  it('close_whoseElementOutlivesTheEndItWasGiven_deletesIt', async () => {
    const start = Date.now();
    const open = grant('longer', '198.51.100.200/32', start + 1_500);
    await backend.open(open);
    scripts.length = 0;
    // The close says the grant ended 1 s earlier than the kernel's timeout: after its wait the element is still there.
    const close = { ...open, endAt: start + 500 };
    await sleepUntil(close.endAt + 200);
    await backend.close(close);

    expect(scripts.filter((script) => script.includes('delete element'))).toHaveLength(1);
    expect((await backend.list()).map((rule) => rule.requestId)).toEqual(['stays0']);
  }, 20_000);
});
