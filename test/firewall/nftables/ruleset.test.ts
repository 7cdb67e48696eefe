import { describe, expect, it } from 'vitest';
import { parseCidr } from '../../../src/domain/cidr.js';
import {
  addElementLine,
  deleteElementLine,
  hostAddress,
  protectScript,
  protocolsOf,
  skeletonScript,
  timeoutMs,
  validateLayout,
  type AllowElement,
  type ProtectedKey,
} from '../../../src/firewall/nftables/ruleset.js';

const ONE_SLOT = { table: 'jit', slots: 1 };

function source(text: string): AllowElement['source'] {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return { text: parsed.cidr.text, family: parsed.cidr.family, start: parsed.cidr.start, end: parsed.cidr.end };
}

describe('protectScript', () => {
  it('protectScript_oneIpv4Port_isTheDocumentedLayoutInOneTransaction', () => {
    const script = protectScript(ONE_SLOT, [{ family: 4, address: '10.1.0.2', protocol: 'tcp', port: 22 }]);
    expect(script).toBe(
      [
        'add table inet jit',
        'add set inet jit allow4_0 { type ipv4_addr . ipv4_addr . inet_proto . inet_service; flags interval, timeout; }',
        'add set inet jit protected4 { type ipv4_addr . inet_proto . inet_service; }',
        'add set inet jit allow6_0 { type ipv6_addr . ipv6_addr . inet_proto . inet_service; flags interval, timeout; }',
        'add set inet jit protected6 { type ipv6_addr . inet_proto . inet_service; }',
        'add chain inet jit guard4',
        'add chain inet jit guard6',
        'add chain inet jit input { type filter hook input priority filter; policy accept; }',
        'add chain inet jit forward { type filter hook forward priority filter; policy accept; }',
        'flush chain inet jit guard4',
        'add rule inet jit guard4 ip saddr . ip daddr . meta l4proto . th dport @allow4_0 accept',
        'add rule inet jit guard4 drop',
        'flush chain inet jit guard6',
        'add rule inet jit guard6 ip6 saddr . ip6 daddr . meta l4proto . th dport @allow6_0 accept',
        'add rule inet jit guard6 drop',
        'flush chain inet jit input',
        'add rule inet jit input ct state established,related accept',
        'add rule inet jit input ip daddr . meta l4proto . th dport @protected4 jump guard4',
        'add rule inet jit input ip6 daddr . meta l4proto . th dport @protected6 jump guard6',
        'flush chain inet jit forward',
        'add rule inet jit forward ct state established,related accept',
        'add rule inet jit forward ip daddr . meta l4proto . th dport @protected4 jump guard4',
        'add rule inet jit forward ip6 daddr . meta l4proto . th dport @protected6 jump guard6',
        'flush set inet jit protected4',
        'add element inet jit protected4 { 10.1.0.2 . tcp . 22 }',
        'flush set inet jit protected6',
        '',
      ].join('\n'),
    );
  });

  const cases: { name: string; ports: ProtectedKey[]; elements: string[] }[] = [
    { name: 'no ports', ports: [], elements: [] },
    {
      name: 'both protocols and IPv6',
      ports: [
        { family: 4, address: '10.1.0.2', protocol: 'tcp', port: 22 },
        { family: 4, address: '10.1.0.2', protocol: 'udp', port: 22 },
        { family: 6, address: 'fd00::2', protocol: 'tcp', port: 3389 },
      ],
      elements: ['add element inet jit protected4 { 10.1.0.2 . tcp . 22, 10.1.0.2 . udp . 22 }', 'add element inet jit protected6 { fd00::2 . tcp . 3389 }'],
    },
    {
      name: 'the same port twice (two VMs sharing an address)',
      ports: [
        { family: 4, address: '10.1.0.2', protocol: 'tcp', port: 22 },
        { family: 4, address: '10.1.0.2', protocol: 'tcp', port: 22 },
      ],
      elements: ['add element inet jit protected4 { 10.1.0.2 . tcp . 22 }'],
    },
  ];
  it.each(cases)('protectScript_$name_fillsOnlyTheProtectedSets', ({ ports, elements }) => {
    const lines = protectScript({ table: 'jit', slots: 3 }, ports).trimEnd().split('\n');
    expect(lines.filter((line) => line.startsWith('add element'))).toEqual(elements);
    // Running grants survive: allow sets are created when missing, never flushed or re-added.
    expect(lines.filter((line) => line.includes('allow') && !line.startsWith('add set') && !line.startsWith('add rule'))).toEqual([]);
    expect(lines.filter((line) => line.startsWith('flush set'))).toEqual(['flush set inet jit protected4', 'flush set inet jit protected6']);
    expect(lines.filter((line) => / @allow4_\d accept$/.test(line))).toHaveLength(3);
  });

  it('skeletonScript_onlyAddsTableAndSets_soEveryTransactionMayStartWithIt', () => {
    const lines = skeletonScript({ table: 'gate', slots: 2 });
    expect(lines.every((line) => line.startsWith('add table inet gate') || line.startsWith('add set inet gate '))).toBe(true);
    expect(lines).toHaveLength(1 + 2 * 3);
  });
});

describe('validation', () => {
  it.each([
    ['10.1.0.2', { family: 4, address: '10.1.0.2' }],
    ['fd00:0:0::0002', { family: 6, address: 'fd00::2' }],
    [' 192.0.2.1 ', { family: 4, address: '192.0.2.1' }],
    ['web1.example.com', undefined],
    ['10.1.0.0/24', undefined],
    ['10.1.0.2/32', undefined],
    ['', undefined],
    ['10.1.0.2; flush ruleset', undefined],
  ])('hostAddress(%j) is %j', (input, expected) => {
    expect(hostAddress(input)).toEqual(expected);
  });

  it.each([
    ['TCP', ['tcp']],
    ['UDP', ['udp']],
    ['*', ['tcp', 'udp']],
  ] as const)('protocolsOf(%s) is %j', (protocol, expected) => {
    expect(protocolsOf(protocol)).toEqual(expected);
  });

  it.each([
    [10_000, 0, 10_010],
    [10_001, 0, 10_020],
    [9_999, 0, 10_010],
    [9_991, 0, 10_010],
    [500, 0, 510],
    [0, 5_000, 10],
  ])('timeoutMs(end %i, now %i) is %i: the end plus 10 ms, rounded up to 10 ms, at least 10', (endAt, now, expected) => {
    expect(timeoutMs(endAt, now)).toBe(expected);
  });

  it.each(['Jit', '1jit', 'jit-table', 'a'.repeat(33), '', 'jit table'])('validateLayout_refusesTableName_%j', (table) => {
    expect(() => validateLayout(table, 8)).toThrow(/table name/);
  });

  it.each([0, 65, 1.5])('validateLayout_refusesSlots_%s', (slots) => {
    expect(() => validateLayout('jit', slots)).toThrow(/slots/);
  });
});

describe('element lines', () => {
  const base = { slot: 0, protocol: 'tcp' as const, port: 22 };
  it.each([
    [
      { ...base, family: 4 as const, address: '10.1.0.2', source: source('198.51.100.7'), comment: 'ab23cd' },
      'add element inet jit allow4_0 { 198.51.100.7/32 . 10.1.0.2 . tcp . 22 timeout 90000ms comment "ab23cd" }',
      'delete element inet jit allow4_0 { 198.51.100.7/32 . 10.1.0.2 . tcp . 22 }',
    ],
    [
      { ...base, slot: 2, family: 6 as const, address: 'fd00::2', source: source('::/0'), protocol: 'udp' as const, port: 53, comment: 'x-1' },
      'add element inet jit allow6_2 { ::/0 . fd00::2 . udp . 53 timeout 90000ms comment "x-1" }',
      'delete element inet jit allow6_2 { ::/0 . fd00::2 . udp . 53 }',
    ],
  ])('renders add and delete for %#', (element, add, del) => {
    const layout = { table: 'jit', slots: 3 };
    expect(addElementLine(layout, element, 90_000)).toBe(add);
    expect(deleteElementLine(layout, element)).toBe(del);
  });

  it('addElementLine_commentOutsideTheSafeAlphabet_isRefused', () => {
    const element = { ...base, family: 4 as const, address: '10.1.0.2', source: source('0.0.0.0/0'), comment: 'x" } ; flush ruleset ; #' };
    expect(() => addElementLine(ONE_SLOT, element, 5)).toThrow(/refusing/);
  });

  it('deleteElementLine_slotOutsideTheLayout_isRefused', () => {
    const element = { ...base, slot: 1, family: 4 as const, address: '10.1.0.2', source: source('0.0.0.0/0') };
    expect(() => deleteElementLine(ONE_SLOT, element)).toThrow(/refusing/);
  });
});
