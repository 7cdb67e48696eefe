// Parses output captured from `nft -j list table inet jit` (nftables 1.0.6,
// Linux 6.18): prefixes, single addresses, IPv6, an address range, elements
// without timeout or comment, and a port range we never write.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElement, parseTable } from '../../../src/firewall/nftables/parse.js';

const captured = readFileSync(resolve(import.meta.dirname, 'fixtures/nft-list-table.json'), 'utf8');

function summary(output: string, table = 'jit') {
  return parseTable(output, table).allow.map((e) => ({
    set: `allow${e.family}_${e.slot}`,
    key: `${e.source.text} . ${e.address} . ${e.protocol} . ${e.port}`,
    comment: e.comment,
    expiresMs: e.expiresMs,
  }));
}

describe('parseTable', () => {
  it('parseTable_capturedOutput_readsEveryAllowElementAndIgnoresProtectedSets', () => {
    expect(summary(captured)).toEqual([
      { set: 'allow4_1', key: '10.0.0.7/32 . 10.1.0.2 . tcp . 22', comment: 'bbbbbb', expiresMs: 25_000 },
      { set: 'allow4_1', key: '10.0.0.7/32 . 10.1.0.2 . udp . 22', comment: 'bbbbbb', expiresMs: 25_000 },
      { set: 'allow4_2', key: '0.0.0.0/0 . 10.1.0.2 . tcp . 22', comment: 'cccccc', expiresMs: 25_000 },
      { set: 'allow4_2', key: '0.0.0.0/0 . 10.1.0.2 . udp . 22', comment: 'cccccc', expiresMs: 25_000 },
      { set: 'allow4_3', key: '192.0.2.1-192.0.2.9 . 10.1.0.2 . tcp . 22', comment: undefined, expiresMs: 3_599_000 },
      { set: 'allow4_4', key: '203.0.113.9/32 . 10.1.0.2 . udp . 53', comment: undefined, expiresMs: undefined },
      { set: 'allow6_0', key: '2001:db8::/32 . fd00::2 . tcp . 22', comment: 'dddddd', expiresMs: 25_000 },
      { set: 'allow6_0', key: '2001:db8::/32 . fd00::2 . udp . 22', comment: 'dddddd', expiresMs: 25_000 },
      { set: 'allow6_1', key: '2001:db8::5/128 . fd00::2 . tcp . 22', comment: 'by hand', expiresMs: undefined },
    ]);
  });

  it('parseTable_portRange_isReportedUnreadableInsteadOfGuessed', () => {
    const { unreadable } = parseTable(captured, 'jit');
    expect(unreadable).toHaveLength(1);
    expect(unreadable[0]).toContain('3000');
  });

  it('parseTable_anotherTablesSets_areIgnored', () => {
    expect(summary(captured, 'other')).toEqual([]);
  });

  it('parseTable_rangeSource_keepsItsBoundsForOverlapChecks', () => {
    const range = parseTable(captured, 'jit').allow.find((e) => e.source.text.includes('-'))!;
    expect(range.source.start).toBe(0xc0000201n);
    expect(range.source.end).toBe(0xc0000209n);
  });

  it.each([
    ['not json', /not JSON/],
    ['{"something": []}', /no `nftables` array/],
  ])('parseTable_%j_throws', (output, message) => {
    expect(() => parseTable(output, 'jit')).toThrow(message);
  });
});

describe('parseElement', () => {
  const elem = (val: unknown, extra: Record<string, unknown> = {}) => ({ elem: { val: { concat: val }, ...extra } });
  it.each([
    ['an IPv4 destination in an IPv6 set', elem(['::/0', '10.1.0.2', 'tcp', 22]), 6],
    ['a destination prefix', elem(['10.0.0.0', { prefix: { addr: '10.1.0.0', len: 24 } }, 'tcp', 22]), 4],
    ['an unknown protocol', elem(['10.0.0.1', '10.1.0.2', 'sctp', 22]), 4],
    ['port 0', elem(['10.0.0.1', '10.1.0.2', 'tcp', 0]), 4],
    ['three fields', elem(['10.0.0.1', '10.1.0.2', 'tcp']), 4],
    ['a source with a leading-zero octet', elem(['010.0.0.1', '10.1.0.2', 'tcp', 22]), 4],
  ] as const)('parseElement_%s_isUnreadable', (_name, entry, family) => {
    expect(parseElement(entry, family, 0)).toBeUndefined();
  });

  it('parseElement_numericProtocol_isNamed', () => {
    expect(parseElement(elem(['10.0.0.1', '10.1.0.2', 17, 53], { timeout: 10 }), 4, 1)).toMatchObject({ protocol: 'udp', port: 53, expiresMs: 10_000 });
  });
});
