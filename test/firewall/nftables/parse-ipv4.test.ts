// The IPv4 fast path of the table reader must give exactly what parseCidr gives
// (the planner renders delete commands from it), and leave every other shape to it.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCidr } from '../../../src/domain/cidr.js';
import { ipv4Range } from '../../../src/firewall/nftables/parse.js';

const viaParseCidr = (text: string) => {
  const parsed = parseCidr(text);
  if (!parsed.ok || parsed.cidr.family !== 4) return undefined;
  const { text: normalised, start, end } = parsed.cidr;
  return { text: normalised, family: 4, start, end };
};

describe('ipv4Range', () => {
  it('agreesWithParseCidr_onEveryAddressAndPrefix', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    fc.assert(
      fc.property(octet, octet, octet, octet, fc.option(fc.integer({ min: 0, max: 32 })), (a, b, c, d, prefix) => {
        const text = `${a}.${b}.${c}.${d}${prefix === null ? '' : `/${prefix}`}`;
        expect(ipv4Range(text)).toEqual(viaParseCidr(text));
      }),
      { numRuns: 2000 },
    );
  });

  it.each(['198.51.100.7', '10.0.0.0/8', '0.0.0.0/0', '255.255.255.255/32', '203.0.113.77/24'])('agrees_on_%s', (text) => {
    expect(ipv4Range(text)).toEqual(viaParseCidr(text));
  });

  it.each(['010.0.0.1', '1.2.3.4/33', '1.2.3.4/032', '256.1.1.1', '1.2.3', '2001:db8::1', ' 1.2.3.4', '1.2.3.4/'])(
    'leavesOtherShapesToParseCidr_%s',
    (text) => {
      expect(ipv4Range(text)).toBeUndefined();
    },
  );
});
