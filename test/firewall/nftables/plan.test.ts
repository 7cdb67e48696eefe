import { describe, expect, it } from 'vitest';
import type { GrantSpec } from '../../../src/ports/firewall.js';
import { openTarget, planClose, planOpen, protectedKeys } from '../../../src/firewall/nftables/plan.js';
import type { AllowElement } from '../../../src/firewall/nftables/ruleset.js';

const LAYOUT = { table: 'jit', slots: 2 };
const NOW = 1_000_000;

function spec(overrides: Partial<GrantSpec> = {}): GrantSpec {
  return {
    requestId: 'ab23cd',
    vmId: 'vm1',
    vmName: 'web',
    address: '10.1.0.2',
    ports: [{ number: 22, protocol: 'TCP' }],
    source: '198.51.100.7/32',
    endAt: NOW + 60_000,
    ...overrides,
  };
}

describe('openTarget', () => {
  it.each([
    ['IPv4 VM, any source', {}, { source: '*' }, '0.0.0.0/0'],
    ['IPv6 VM, any source', { address: 'fd00::2' }, { source: '*' }, '::/0'],
    ['IPv6 VM, prefix', { address: 'fd00::2' }, { source: '2001:db8::/32' }, '2001:db8::/32'],
  ])('openTarget_%s_usesTheVmsFamily', (_name, vm, source, expected) => {
    expect(openTarget(spec({ ...vm, ...source })).source.text).toBe(expected);
  });

  it('openTarget_starProtocol_meansTcpAndUdp', () => {
    expect(
      openTarget(
        spec({
          ports: [
            { number: 53, protocol: '*' },
            { number: 22, protocol: 'TCP' },
          ],
        }),
      ).keys,
    ).toEqual([
      { protocol: 'tcp', port: 53 },
      { protocol: 'udp', port: 53 },
      { protocol: 'tcp', port: 22 },
    ]);
  });

  it.each([
    ['a host name', { address: 'web.internal' }, /VM web needs an IP `address` in the policy for the nftables backend/],
    ['an IPv4 source to an IPv6 VM', { address: 'fd00::2' }, /source 198\.51\.100\.7\/32 is IPv4 but VM web \(fd00::2\) is IPv6/],
    ['an IPv6 source to an IPv4 VM', { source: '2001:db8::1' }, /is IPv6 but VM web \(10\.1\.0\.2\) is IPv4/],
    ['a request id unfit for a comment', { requestId: 'AB"; flush' }, /cannot be stored as an nftables comment/],
    ['port 0', { ports: [{ number: 0, protocol: 'TCP' as const }] }, /not a port number/],
    ['a garbage source', { source: '10.0.0.1 . 10.1.0.2' }, /not an address/],
  ])('openTarget_%s_isRefused', (_name, overrides, message) => {
    expect(() => openTarget(spec(overrides))).toThrow(message);
  });

  it('protectedKeys_hostName_isRefusedWithTheVmName', () => {
    expect(() => protectedKeys([{ vmId: 'x', vmName: 'db', address: 'db', port: 5432, protocol: 'TCP' }])).toThrow(
      'VM db needs an IP `address` in the policy for the nftables backend (got `db`)',
    );
  });
});

describe('planOpen / planClose', () => {
  it('planOpen_nestedSourcesOnOnePort_useSeparateSlots', () => {
    const elements: AllowElement[] = [];
    const lines = [
      ...planOpen(elements, openTarget(spec({ requestId: 'any', source: '*' })), LAYOUT, NOW),
      ...planOpen(elements, openTarget(spec({ requestId: 'one' })), LAYOUT, NOW),
    ];
    expect(lines).toEqual([
      'add element inet jit allow4_0 { 0.0.0.0/0 . 10.1.0.2 . tcp . 22 timeout 60010ms comment "any" }',
      'add element inet jit allow4_1 { 198.51.100.7/32 . 10.1.0.2 . tcp . 22 timeout 60010ms comment "one" }',
    ]);
  });

  it('planOpen_disjointSources_shareASlot', () => {
    const elements: AllowElement[] = [];
    planOpen(elements, openTarget(spec({ requestId: 'one' })), LAYOUT, NOW);
    planOpen(elements, openTarget(spec({ requestId: 'two', source: '198.51.100.8' })), LAYOUT, NOW);
    expect(elements.map((e) => e.slot)).toEqual([0, 0]);
  });

  it('planOpen_slotsFull_refusesTheWholeGrantAndLeavesTheStateAlone', () => {
    const elements: AllowElement[] = [];
    planOpen(elements, openTarget(spec({ requestId: 'one', ports: [{ number: 22, protocol: 'TCP' }] })), LAYOUT, NOW);
    planOpen(elements, openTarget(spec({ requestId: 'two', ports: [{ number: 22, protocol: 'TCP' }] })), LAYOUT, NOW);
    const third = openTarget(
      spec({
        requestId: 'three',
        ports: [
          { number: 80, protocol: 'TCP' },
          { number: 22, protocol: 'TCP' },
        ],
      }),
    );
    expect(() => planOpen(elements, third, LAYOUT, NOW)).toThrow(/at most 2 \(option `slots`\)/);
    expect(elements.map((e) => e.comment)).toEqual(['one', 'two']);
  });

  it.each([
    ['kernel has less time left', 30_000, []],
    ['kernel has as much time left', 60_000, []],
    ['kernel has more time left: shortened, never lengthened', 90_000, ['delete', 'add']],
    ['kernel has no timeout at all', undefined, ['delete', 'add']],
  ])('planOpen_requestAlreadyHeld_%s', (_name, expiresMs, verbs) => {
    const elements: AllowElement[] = [];
    planOpen(elements, openTarget(spec()), LAYOUT, NOW);
    elements[0]!.expiresMs = expiresMs;
    const lines = planOpen(elements, openTarget(spec()), LAYOUT, NOW);
    expect(lines.map((line) => line.split(' ')[0])).toEqual(verbs);
    if (verbs.length > 0) expect(lines[1]).toContain('timeout 60010ms');
  });

  it('planClose_deletesEveryElementOfTheRequestAndNothingElse', () => {
    const elements: AllowElement[] = [];
    planOpen(elements, openTarget(spec({ ports: [{ number: 22, protocol: '*' }] })), LAYOUT, NOW);
    planOpen(elements, openTarget(spec({ requestId: 'other', source: '*' })), LAYOUT, NOW);
    expect(planClose(elements, 'ab23cd', LAYOUT)).toEqual([
      'delete element inet jit allow4_0 { 198.51.100.7/32 . 10.1.0.2 . tcp . 22 }',
      'delete element inet jit allow4_0 { 198.51.100.7/32 . 10.1.0.2 . udp . 22 }',
    ]);
    expect(elements.map((e) => e.comment)).toEqual(['other']);
    expect(planClose(elements, 'ab23cd', LAYOUT)).toEqual([]);
  });
});
