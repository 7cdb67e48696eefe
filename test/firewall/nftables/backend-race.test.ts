// Closes at a grant's end time race the kernel's own timeout for the same
// element. When that fails a batch, the backend reads again and replans the
// batch as a whole: one more read and one more transaction, not one of each per
// caller (bench/expiry-precision.ts found the per-caller fallback turning a
// 200 ms lag into 6 s under a stream of expiries).

import { describe, expect, it } from 'vitest';
import type { GrantSpec } from '../../../src/ports/firewall.js';
import { NftablesBackend } from '../../../src/firewall/nftables/backend.js';
import { FakeClock } from '../../support/fake-clock.js';
import { FakeNft } from './fake-nft.js';

function grant(requestId: string, source: string, endAt: number): GrantSpec {
  return { requestId, vmId: 'vm1', vmName: 'web', address: '10.1.0.2', ports: [{ number: 22, protocol: 'TCP' }], source, endAt };
}

describe('NftablesBackend batch against the kernel timeout', () => {
  it('close_batchLosesARaceWithTheKernel_replansTheWholeBatchOnce', async () => {
    const nft = new FakeNft();
    const clock = new FakeClock();
    const backend = new NftablesBackend({ runner: nft, clock });
    const grants = ['aaaaaa', 'bbbbbb', 'cccccc', 'dddddd'].map((id, i) => grant(id, `198.51.100.${i + 1}`, clock.now() + 1000));
    await Promise.all(grants.map((g) => backend.open(g)));
    const before = nft.calls.length;
    // Between the backend's read and its write, the kernel drops one element (its timeout ran out).
    nft.beforeApply = () => {
      nft.beforeApply = undefined;
      const expired = [...nft.elements].find(([, element]) => element.comment === 'bbbbbb')!;
      nft.elements.delete(expired[0]);
    };
    const outcomes = await Promise.allSettled(grants.map((g) => backend.close(g)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(nft.elements.size).toBe(0);
    const calls = nft.calls.slice(before).map((call) => (call.args[0] === '-f' ? 'apply' : 'read'));
    // Elements this near their timeout are added back and deleted in the same transaction (planCloses):
    // the one that expired meanwhile cannot fail it, so the batch lands in one read and one write.
    expect(calls).toEqual(['read', 'apply']);
  });

  it('close_batchOfElementsFarFromTheirTimeout_whenOneVanishes_replansTheWholeBatchOnce', async () => {
    const nft = new FakeNft();
    const clock = new FakeClock();
    const backend = new NftablesBackend({ runner: nft, clock });
    const grants = ['aaaaaa', 'bbbbbb', 'cccccc', 'dddddd'].map((id, i) => grant(id, `198.51.100.${i + 1}`, clock.now() + 3_600_000));
    await Promise.all(grants.map((g) => backend.open(g)));
    const before = nft.calls.length;
    // Between the backend's read and its write, someone deletes one element by hand.
    nft.beforeApply = () => {
      nft.beforeApply = undefined;
      const gone = [...nft.elements].find(([, element]) => element.comment === 'bbbbbb')!;
      nft.elements.delete(gone[0]);
    };
    const outcomes = await Promise.allSettled(grants.map((g) => backend.close(g)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(nft.elements.size).toBe(0);
    const calls = nft.calls.slice(before).map((call) => (call.args[0] === '-f' ? `apply ${(call.input ?? '').trim().split('\n').length}` : 'read'));
    expect(calls).toEqual(['read', 'apply 4', 'read', 'apply 3']);
  });

  it('close_batchKeepsRacing_fallsBackToEachCallerAlone', async () => {
    const nft = new FakeNft();
    const clock = new FakeClock();
    const backend = new NftablesBackend({ runner: nft, clock });
    const grants = ['aaaaaa', 'bbbbbb'].map((id, i) => grant(id, `198.51.100.${i + 1}`, clock.now() + 1000));
    await Promise.all(grants.map((g) => backend.open(g)));
    let races = 3;
    nft.failApply = () => (races-- > 0 ? '/dev/stdin:1:1-2: Error: Could not process rule: No such file or directory' : undefined);
    await Promise.all(grants.map((g) => backend.close(g)));
    expect(nft.elements.size).toBe(0);
  });
});
