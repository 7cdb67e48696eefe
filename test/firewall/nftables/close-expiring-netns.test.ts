// Grants ending together, closed as the kernel expires them: a close batch
// whose element times out between the backend's read and its write must still
// land in one transaction (planCloses adds such an element back and deletes it
// in the same transaction), not fail with ENOENT and re-read the table.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GrantSpec } from '../../../src/ports/firewall.js';
import { NftablesBackend } from '../../../src/firewall/nftables/backend.js';
import { commandRunner, type NftRunner } from '../../../src/firewall/nftables/runner.js';
import { ADDRESSES, createTopology, destroyTopology, netnsUnavailable, removeStaleNamespaces, type Topology } from '../../support/netns.js';

const unavailable = await netnsUnavailable();
if (unavailable) console.warn(`nftables close-expiring netns suite skipped: ${unavailable}`);

const vm4 = ADDRESSES.vm.v4;
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

function grant(requestId: string, source: string, endAt: number): GrantSpec {
  return { requestId, vmId: 'vm', vmName: 'vm', address: vm4, ports: [{ number: 22, protocol: 'TCP' }], source, endAt };
}

describe.skipIf(unavailable !== undefined)('nftables close of elements expiring meanwhile, in a network namespace', () => {
  let topology: Topology;

  beforeAll(async () => {
    await removeStaleNamespaces();
    topology = await createTopology();
  });

  afterAll(async () => {
    if (topology) await destroyTopology(topology);
  });

  it('closeBatch_whoseElementExpiresBetweenReadAndWrite_landsInOneTransaction_andLeavesNothing', async () => {
    const real = commandRunner(['ip', 'netns', 'exec', topology.gw, 'nft']);
    const runs: string[] = [];
    let slowWrites = false;
    // The write of the close batch waits until the expiring element has timed out in the kernel.
    const runner: NftRunner = {
      async run(args, input) {
        runs.push(args.join(' '));
        if (slowWrites && args[0] === '-f') await sleep(3_000);
        return real.run(args, input);
      },
    };
    const backend = new NftablesBackend({ runner });
    await backend.protect([{ vmId: 'vm', vmName: 'vm', address: vm4, port: 22, protocol: 'TCP' }]);
    const now = Date.now();
    // Its `expires` still reads 1 s at the close's read: closed by a delete, not left to the kernel.
    await backend.open(grant('expire', '198.51.100.7/32', now + 2_000));
    await backend.open(grant('stays0', '198.51.100.8/32', now + 600_000));
    await backend.open(grant('revoke', '198.51.100.9/32', now + 600_000));
    expect((await backend.list()).map((rule) => rule.requestId).sort()).toEqual(['expire', 'revoke', 'stays0']);

    slowWrites = true;
    runs.length = 0;
    await Promise.all([backend.close(grant('expire', '198.51.100.7/32', now + 2_000)), backend.close(grant('revoke', '198.51.100.9/32', now + 600_000))]);

    // One read, one write: no ENOENT, no re-read, no per-grant fallback.
    expect(runs.filter((args) => args.startsWith('-j list'))).toHaveLength(1);
    expect(runs.filter((args) => args === '-f -')).toHaveLength(1);
    slowWrites = false;
    expect((await backend.list()).map((rule) => rule.requestId)).toEqual(['stays0']);
  }, 20_000);
});
