// Extending a grant on the nftables backend, against the recording fake nft:
// the elements' kernel timeout becomes the new remaining time, in one
// transaction, and nothing that is not open is ever opened by an extension.
// Real packets: extend-netns.test.ts.

import { describe, expect, it } from 'vitest';
import type { GrantSpec } from '../../../src/ports/firewall.js';
import { NftablesBackend } from '../../../src/firewall/nftables/backend.js';
import { FakeClock } from '../../support/fake-clock.js';
import { FakeNft } from './fake-nft.js';

function setup() {
  const nft = new FakeNft();
  const clock = new FakeClock();
  const backend = new NftablesBackend({ runner: nft, clock });
  const grant = (requestId: string, overrides: Partial<GrantSpec> = {}): GrantSpec => ({
    requestId,
    vmId: 'vm1',
    vmName: 'web',
    address: '10.1.0.2',
    ports: [{ number: 22, protocol: 'TCP' }],
    source: '198.51.100.7/32',
    endAt: clock.now() + 60_000,
    ...overrides,
  });
  const timeouts = () => [...nft.elements.values()].map((e) => `${e.comment} ${e.key} ${e.timeout}ms`).sort();
  return { nft, clock, backend, grant, timeouts };
}

describe('NftablesBackend.extend', () => {
  it('extend_openGrant_timeoutGrowsToTheNewRemainingTime_inOneDeleteAddTransaction', async () => {
    const { nft, clock, backend, grant, timeouts } = setup();
    const spec = grant('aaaaaa', {
      ports: [
        { number: 22, protocol: 'TCP' },
        { number: 3389, protocol: 'TCP' },
      ],
    });
    await backend.open(spec);
    expect(timeouts()).toEqual(['aaaaaa 198.51.100.7/32 . 10.1.0.2 . tcp . 22 60010ms', 'aaaaaa 198.51.100.7/32 . 10.1.0.2 . tcp . 3389 60010ms']);
    clock.advance(20_000);

    await backend.extend({ ...spec, endAt: spec.endAt + 300_000 });

    expect(timeouts()).toEqual(['aaaaaa 198.51.100.7/32 . 10.1.0.2 . tcp . 22 340010ms', 'aaaaaa 198.51.100.7/32 . 10.1.0.2 . tcp . 3389 340010ms']);
    expect(nft.transactions).toHaveLength(2);
    const lines = nft.transactions[1]!.trim()
      .split('\n')
      .filter((line) => line.includes(' element '));
    expect(lines).toEqual([
      'delete element inet jit allow4_0 { 198.51.100.7/32 . 10.1.0.2 . tcp . 22 }',
      'add element inet jit allow4_0 { 198.51.100.7/32 . 10.1.0.2 . tcp . 22 timeout 340010ms comment "aaaaaa" }',
      'delete element inet jit allow4_0 { 198.51.100.7/32 . 10.1.0.2 . tcp . 3389 }',
      'add element inet jit allow4_0 { 198.51.100.7/32 . 10.1.0.2 . tcp . 3389 timeout 340010ms comment "aaaaaa" }',
    ]);
    expect((await backend.list()).map((rule) => rule.endAt)).toEqual([clock.now() + 340_000, clock.now() + 340_000]);
  });

  it('extend_leavesOtherGrantsAlone', async () => {
    const { clock, backend, grant, timeouts } = setup();
    await Promise.all([backend.open(grant('aaaaaa')), backend.open(grant('bbbbbb', { source: '198.51.100.8/32' }))]);
    clock.advance(10_000);
    await backend.extend(grant('aaaaaa', { endAt: clock.now() + 120_000 }));
    expect(timeouts()).toEqual(['aaaaaa 198.51.100.7/32 . 10.1.0.2 . tcp . 22 120010ms', 'bbbbbb 198.51.100.8/32 . 10.1.0.2 . tcp . 22 60010ms']);
  });

  it('extend_grantNotOpen_rejectsAndOpensNothing', async () => {
    const { nft, backend, grant } = setup();
    await expect(backend.extend(grant('aaaaaa'))).rejects.toThrow(
      /grant #aaaaaa is not open on 10\.1\.0\.2 tcp\/22 \(it expired or was closed\), so there is nothing to extend/,
    );
    expect(nft.elements.size).toBe(0);
    expect(nft.transactions).toHaveLength(0);
  });

  it('extend_elementExpiresBetweenReadAndWrite_rejectsAndDoesNotBringItBack', async () => {
    const { nft, backend, grant } = setup();
    const spec = grant('aaaaaa');
    await backend.open(spec);
    nft.beforeApply = () => {
      nft.beforeApply = undefined;
      nft.elements.clear();
    };
    await expect(backend.extend({ ...spec, endAt: spec.endAt + 60_000 })).rejects.toThrow(/nothing to extend/);
    expect(nft.elements.size).toBe(0);
  });

  it('extend_batchedWithACloseOfTheSameGrant_closeWinsAndTheExtendIsRefused', async () => {
    const { nft, backend, grant } = setup();
    const spec = grant('aaaaaa');
    await backend.open(spec);
    const outcomes = await Promise.allSettled([backend.close(spec), backend.extend({ ...spec, endAt: spec.endAt + 60_000 })]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
    expect(nft.elements.size).toBe(0);
  });

  it('extend_toAnEarlierEnd_setsThatEndToo_forRestoringAfterALostRace', async () => {
    const { backend, grant, timeouts } = setup();
    const spec = grant('aaaaaa', { endAt: grant('x').endAt + 600_000 });
    await backend.open(spec);
    await backend.extend({ ...spec, endAt: spec.endAt - 600_000 });
    expect(timeouts()).toEqual(['aaaaaa 198.51.100.7/32 . 10.1.0.2 . tcp . 22 60010ms']);
  });
});
