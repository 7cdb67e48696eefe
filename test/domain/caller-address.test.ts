import { describe, expect, it } from 'vitest';
import { parseCidr, type Cidr } from '../../src/domain/cidr.js';
import { callerAddress } from '../../src/domain/caller-address.js';

const cidrs = (...texts: string[]): Cidr[] =>
  texts.map((t) => {
    const parsed = parseCidr(t);
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.cidr;
  });

describe('callerAddress', () => {
  it.each([
    ['no proxy: the peer', '198.51.100.7', undefined, [], '198.51.100.7'],
    ['IPv4-mapped peer is unmapped', '::ffff:198.51.100.7', undefined, [], '198.51.100.7'],
    ['IPv6 peer', '2001:db8::7', undefined, [], '2001:db8::7'],
    ['untrusted peer: X-Forwarded-For ignored', '198.51.100.7', '203.0.113.9', cidrs('10.0.0.0/8'), '198.51.100.7'],
    ['trusted proxy: the client it saw', '10.0.0.2', '203.0.113.9', cidrs('10.0.0.0/8'), '203.0.113.9'],
    ['forged left-most hop is ignored', '10.0.0.2', '1.2.3.4, 203.0.113.9', cidrs('10.0.0.0/8'), '203.0.113.9'],
    ['chain of trusted proxies', '10.0.0.2', '203.0.113.9, 10.0.0.7, 10.0.0.3', cidrs('10.0.0.0/8'), '203.0.113.9'],
    ['trusted proxy without the header: the proxy', '10.0.0.2', undefined, cidrs('10.0.0.0/8'), '10.0.0.2'],
    ['garbage hop: no answer', '10.0.0.2', 'not-an-ip', cidrs('10.0.0.0/8'), undefined],
    ['no peer: no answer', undefined, undefined, [], undefined],
  ] as const)('%s', (_name, remote, forwarded, trusted, expected) => {
    expect(callerAddress(remote, forwarded, trusted)).toBe(expected);
  });
});
