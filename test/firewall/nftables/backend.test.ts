// The backend's transaction handling against a recording fake nft: batching,
// per-caller fallback, races with the kernel's own expiry, idempotency.
// Real packets are in netns.test.ts.

import { describe, expect, it } from 'vitest';
import type { GrantSpec, ProtectedPort } from '../../../src/ports/firewall.js';
import { NftablesBackend } from '../../../src/firewall/nftables/backend.js';
import { NftCommandError } from '../../../src/firewall/nftables/runner.js';
import { FakeClock } from '../../support/fake-clock.js';
import { FakeNft } from './fake-nft.js';

const PORT: ProtectedPort = { vmId: 'vm1', vmName: 'web', address: '10.1.0.2', port: 22, protocol: 'TCP' };

function setup(slots = 8) {
  const nft = new FakeNft();
  const clock = new FakeClock();
  const backend = new NftablesBackend({ runner: nft, clock, slots });
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
  return { nft, clock, backend, grant };
}

describe('NftablesBackend', () => {
  it('open_callsInTheSameTick_shareOneTransaction', async () => {
    const { nft, backend, grant } = setup();
    await Promise.all([backend.open(grant('aaaaaa')), backend.open(grant('bbbbbb', { source: '*' })), backend.close(grant('cccccc'))]);
    expect(nft.transactions).toHaveLength(1);
    expect(nft.transactions[0]).toMatch(/comment "aaaaaa"[\s\S]*comment "bbbbbb"/);
    expect([...nft.elements.values()].map((e) => `${e.set} ${e.comment}`)).toEqual(['allow4_0 aaaaaa', 'allow4_1 bbbbbb']);
  });

  it('open_batchFails_eachCallerGetsItsOwnOutcome', async () => {
    const { nft, backend, grant } = setup();
    nft.failApply = (script) => (script.includes('"bad222"') ? 'Error: Could not process rule: Operation not permitted' : undefined);
    const outcomes = await Promise.allSettled([
      backend.open(grant('good11')),
      backend.open(grant('bad222', { source: '*' })),
      backend.open(grant('good33', { source: '198.51.100.9' })),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toContain('Operation not permitted');
    expect([...nft.elements.values()].map((e) => e.comment)).toEqual(['good11', 'good33']);
    expect(nft.transactions).toHaveLength(4);
  });

  it('open_oneCallerInvalid_failsAloneWithoutRunningNft', async () => {
    const { nft, backend, grant } = setup();
    const outcomes = await Promise.allSettled([backend.open(grant('good11')), backend.open(grant('badvm1', { address: 'web.internal' }))]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toContain('needs an IP `address` in the policy for the nftables backend');
    expect(nft.transactions).toHaveLength(1);
  });

  it('open_sameRequestAgainWithALaterEnd_neitherRewritesNorLengthens', async () => {
    const { nft, backend, grant, clock } = setup();
    await backend.open(grant('aaaaaa'));
    clock.advance(5_000);
    await backend.open(grant('aaaaaa', { endAt: clock.now() + 60_000 }));
    expect(nft.transactions).toHaveLength(1);
  });

  it('open_slotsFull_rejectsThatGrantOnly', async () => {
    const { backend, grant } = setup(1);
    const outcomes = await Promise.allSettled([backend.open(grant('aaaaaa', { source: '*' })), backend.open(grant('bbbbbb'))]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/at most 1/);
  });

  it('close_elementExpiresBetweenReadAndWrite_retriesWhatIsLeftAndResolves', async () => {
    const { nft, backend, grant } = setup();
    const spec = grant('aaaaaa', { ports: [{ number: 22, protocol: '*' }] });
    await backend.open(spec);
    nft.beforeApply = () => {
      nft.beforeApply = undefined;
      nft.elements.delete([...nft.elements.keys()][0]!);
    };
    await backend.close(spec);
    expect(nft.elements.size).toBe(0);
    expect(nft.transactions.slice(1).map((script) => script.trim().split('\n').length)).toEqual([2, 1]);
  });

  it('close_nothingOpen_succeedsWithoutATransaction', async () => {
    const { nft, backend, grant } = setup();
    nft.tableExists = false;
    await backend.close(grant('aaaaaa'));
    expect(nft.transactions).toHaveLength(0);
  });

  it('close_nftKeepsFailing_rejectsWithNftsMessage', async () => {
    const { nft, backend, grant } = setup();
    await backend.open(grant('aaaaaa'));
    nft.failApply = () => 'Error: Could not process rule: Device or resource busy';
    await expect(backend.close(grant('aaaaaa'))).rejects.toThrow(/close of grant #aaaaaa: .*Device or resource busy/);
  });

  it('list_reportsEveryElement_withVmNamesFromProtectAndUnknownOnesAnonymous', async () => {
    const { nft, backend, grant, clock } = setup();
    await backend.protect([PORT]);
    await backend.open(grant('aaaaaa', { endAt: clock.now() + 30_000 }));
    nft.elements.set('x', { set: 'allow4_3', key: '0.0.0.0/0 . 10.1.0.9 . udp . 53' });
    expect(await backend.list()).toEqual([
      { requestId: 'aaaaaa', vmName: 'web', port: 22, protocol: 'TCP', source: '198.51.100.7/32', endAt: clock.now() + 30_000 },
      { requestId: '', vmName: '10.1.0.9', port: 53, protocol: 'UDP', source: '0.0.0.0/0' },
    ]);
  });

  it('protect_hostName_throwsBeforeRunningNft', async () => {
    const { nft, backend } = setup();
    await expect(backend.protect([{ ...PORT, address: 'web' }])).rejects.toThrow('VM web needs an IP `address` in the policy for the nftables backend');
    expect(nft.calls).toHaveLength(0);
  });

  it.each([
    ['the table is missing', { tableExists: false }, /table inet jit does not exist/],
    ['nft cannot run', { broken: new NftCommandError('could not run nft -t list: spawn nft ENOENT', '', null) }, /spawn nft ENOENT/],
  ])('health_when%s_isNotOk', async (_name, state, detail) => {
    const { nft, backend } = setup();
    Object.assign(nft, state);
    const health = await backend.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toMatch(detail);
  });

  it('health_tableThere_isOk', async () => {
    const { backend } = setup();
    expect(await backend.health()).toEqual({ ok: true });
  });

  it('constructor_badTableName_throws', () => {
    expect(() => new NftablesBackend({ table: 'jit; flush ruleset' })).toThrow(/table name/);
  });
});
