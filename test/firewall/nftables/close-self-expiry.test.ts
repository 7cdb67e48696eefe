// A close at a grant's end leaves its elements to the kernel, whose timeout
// ends KERNEL_MARGIN_MS after the grant: the backend waits for that instant
// outside its queue, without reading first, then reads once and confirms the
// close by the elements' absence; whatever is still there is deleted as any
// close deletes it. Real kernel: close-self-expiry-netns.test.ts.

import { describe, expect, it } from 'vitest';
import type { GrantSpec } from '../../../src/ports/firewall.js';
import { NftablesBackend } from '../../../src/firewall/nftables/backend.js';
import { openTarget, planOpen, SELF_EXPIRY_MS, SELF_EXPIRY_SLACK_MS, selfExpiryWait, selfExpiryWaits } from '../../../src/firewall/nftables/plan.js';
import { KERNEL_MARGIN_MS, type AllowElement } from '../../../src/firewall/nftables/ruleset.js';
import { FakeClock } from '../../support/fake-clock.js';
import { FakeNft } from './fake-nft.js';

const NOW = 1_000_000;
const LAYOUT = { table: 'jit', slots: 2 };

function grant(requestId: string, endAt: number, source = '198.51.100.7/32'): GrantSpec {
  return { requestId, vmId: 'vm1', vmName: 'web', address: '10.1.0.2', ports: [{ number: 22, protocol: '*' }], source, endAt };
}

function calls(nft: FakeNft, from: number): string[] {
  return nft.calls.slice(from).map((call) =>
    call.args[0] === '-f'
      ? `apply ${
          (call.input ?? '')
            .trim()
            .split('\n')
            .filter((l) => l.includes(' element ')).length
        }`
      : 'read',
  );
}

describe('selfExpiryWaits', () => {
  function table(): AllowElement[] {
    const elements: AllowElement[] = [];
    planOpen(elements, openTarget(grant('ending', NOW + 300)), LAYOUT, NOW);
    planOpen(elements, openTarget(grant('later0', NOW + 60_000, '198.51.100.8/32')), LAYOUT, NOW);
    planOpen(elements, openTarget(grant('mixed0', NOW + 300, '198.51.100.9/32')), LAYOUT, NOW);
    // As nft -j reports them: whole seconds, truncated.
    for (const element of elements) element.expiresMs = Math.floor(element.expiresMs! / 1000) * 1000;
    // One element of mixed0 has a longer timeout than its grant (set by hand, or by an older bot).
    elements.find((e) => e.comment === 'mixed0')!.expiresMs = 5_000;
    return elements;
  }

  it('selfExpiryWaits_onlyRequestsWhoseEveryElementReportsExpires0_waitUntilTheirEndPlusTheMargin', () => {
    const closes = new Map([
      ['ending', NOW + 300],
      ['later0', NOW + 60_000],
      ['mixed0', NOW + 300],
      ['absent', NOW + 300],
    ]);
    const waits = selfExpiryWaits(table(), closes, NOW + 100);
    expect([...waits]).toEqual([['ending', 200 + KERNEL_MARGIN_MS + SELF_EXPIRY_SLACK_MS]]);
  });

  it('selfExpiryWaits_endLongPast_orFarAheadOfWhatTheKernelSays_waitsAtLeastTheSlack_atMostASecond', () => {
    expect(selfExpiryWaits(table(), new Map([['ending', NOW - 60_000]]), NOW).get('ending')).toBe(SELF_EXPIRY_SLACK_MS);
    // A close whose end says an hour: the kernel still removes an `expires 0` element within a second.
    expect(selfExpiryWaits(table(), new Map([['ending', NOW + 3_600_000]]), NOW).get('ending')).toBe(1000 + SELF_EXPIRY_SLACK_MS);
  });
});

describe('selfExpiryWait', () => {
  it('selfExpiryWait_justBeforeOrAtTheEnd_waitsUntilTheKernelTimeoutPlusTheSlack', () => {
    expect(selfExpiryWait(NOW + 300, NOW)).toBe(300 + KERNEL_MARGIN_MS + SELF_EXPIRY_SLACK_MS);
    expect(selfExpiryWait(NOW, NOW)).toBe(KERNEL_MARGIN_MS + SELF_EXPIRY_SLACK_MS);
    expect(selfExpiryWait(NOW - KERNEL_MARGIN_MS, NOW)).toBe(SELF_EXPIRY_SLACK_MS);
  });

  it('selfExpiryWait_onceTheTimeoutHasRunOut_orForAnEndMoreThanASecondAway_isNone', () => {
    // Past: read at once (the sweep after an outage). Far: a revoke, deleted at once.
    expect(selfExpiryWait(NOW - KERNEL_MARGIN_MS - SELF_EXPIRY_SLACK_MS, NOW)).toBeUndefined();
    expect(selfExpiryWait(NOW - 60_000, NOW)).toBeUndefined();
    expect(selfExpiryWait(NOW + SELF_EXPIRY_MS, NOW)).toBeUndefined();
    expect(selfExpiryWait(NOW + 60_000, NOW)).toBeUndefined();
  });
});

describe('NftablesBackend close at the end, left to the kernel', () => {
  it('close_atTheEnd_whenTheKernelExpiresTheElements_confirmsByAbsence_withOneReadAfterTheWait', async () => {
    const nft = new FakeNft();
    const clock = new FakeClock();
    const backend = new NftablesBackend({ runner: nft, clock });
    const grants = ['aaaaaa', 'bbbbbb', 'cccccc'].map((id, i) => grant(id, clock.now() + 200, `198.51.100.${i + 1}/32`));
    await Promise.all(grants.map((g) => backend.open(g)));
    const before = nft.calls.length;
    let settled = false;
    const closing = Promise.all(grants.map((g) => backend.close(g))).then(() => {
      settled = true;
    });
    // The backend waits for the kernel's timeouts without reading; nothing is confirmed before it has read.
    await new Promise((done) => setTimeout(done, 50));
    expect(settled).toBe(false);
    expect(calls(nft, before)).toEqual([]);
    nft.elements.clear(); // the kernel's timeouts ran out
    await closing;
    // One read for the three closes, after their wait.
    expect(calls(nft, before)).toEqual(['read']);
  });

  it('close_longAfterTheEnd_readsAtOnce_andConfirmsByAbsence', async () => {
    const nft = new FakeNft();
    const clock = new FakeClock();
    const backend = new NftablesBackend({ runner: nft, clock });
    const ended = grant('aaaaaa', clock.now() + 200);
    await backend.open(ended);
    nft.elements.clear(); // the kernel's timeout ran out while the bot was down
    clock.advance(60_000);
    const before = nft.calls.length;

    await backend.close(ended);

    expect(calls(nft, before)).toEqual(['read']);
  });

  it('close_atTheEnd_whenTheElementsOutliveTheWait_deletesThem', async () => {
    const nft = new FakeNft();
    const clock = new FakeClock();
    const backend = new NftablesBackend({ runner: nft, clock });
    const grants = ['aaaaaa', 'bbbbbb'].map((id, i) => grant(id, clock.now() + 200, `198.51.100.${i + 1}/32`));
    await Promise.all(grants.map((g) => backend.open(g)));
    const before = nft.calls.length;

    // The fake kernel never expires anything: the close must not trust the wait.
    await Promise.all(grants.map((g) => backend.close(g)));

    expect(nft.elements.size).toBe(0);
    // Two elements (tcp and udp) per grant, each added back and deleted (planCloses: near their timeout).
    expect(calls(nft, before)).toEqual(['read', 'apply 8']);
  });

  it('close_waitingForTheKernel_doesNotHoldBackOtherChanges', async () => {
    const nft = new FakeNft();
    const clock = new FakeClock();
    const backend = new NftablesBackend({ runner: nft, clock });
    const ending = grant('aaaaaa', clock.now() + 300);
    await backend.open(ending);
    let closed = false;
    const closing = backend.close(ending).then(() => {
      closed = true;
    });
    await new Promise((done) => setTimeout(done, 20));
    await backend.open(grant('bbbbbb', clock.now() + 60_000, '198.51.100.2/32'));
    await backend.close(grant('cccccc', clock.now() + 60_000, '198.51.100.3/32'));
    expect(closed).toBe(false);
    await closing;
    expect([...nft.elements.values()].map((e) => e.comment)).toEqual(['bbbbbb', 'bbbbbb']);
  });

  it('close_ofAGrantFarFromItsEnd_deletesAtOnce', async () => {
    const nft = new FakeNft();
    const clock = new FakeClock();
    const backend = new NftablesBackend({ runner: nft, clock });
    const revoked = grant('aaaaaa', clock.now() + 60_000);
    await backend.open(revoked);
    const before = nft.calls.length;
    await backend.close(revoked);
    expect(calls(nft, before)).toEqual(['read', 'apply 2']);
    expect(nft.elements.size).toBe(0);
  });
});
