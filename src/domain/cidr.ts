// Source addresses and prefixes: parse, normalise, contain. Pure; ip-cidr does the bit work.

import IPCIDR from 'ip-cidr';

export interface Cidr {
  /** Normalised text: network address in canonical form, then `/prefix` (`198.51.100.7/32`, `2001:db8::/32`). */
  text: string;
  family: 4 | 6;
  prefix: number;
  start: bigint;
  end: bigint;
}

export type CidrResult = { ok: true; cidr: Cidr } | { ok: false; error: string };

const MAX_INPUT = 64;

// ip-cidr parses through big-number and sprintf code: tens of microseconds a
// call, and the rule engine asks for the same few prefixes on every decision
// (bench/rule-engine.ts found it at 2.5 ms a decision). Results are pure and
// frozen, so sharing them is safe; bounded so hostile input cannot grow it.
const memo = new Map<string, CidrResult>();
const MEMO_LIMIT = 1024;

/** Parses an IPv4/IPv6 address (taken as a single-host prefix) or CIDR. Host bits are cleared. */
export function parseCidr(input: string): CidrResult {
  const cached = memo.get(input);
  if (cached !== undefined) return cached;
  const result = parseUncached(input);
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(input, result);
  return result;
}

function parseUncached(input: string): CidrResult {
  const text = input.trim();
  const bad = (why: string): CidrResult =>
    Object.freeze({
      ok: false,
      error: `\`${text.slice(0, MAX_INPUT)}\` ${why}: expected an IPv4 or IPv6 address or CIDR such as 203.0.113.7, 203.0.113.0/24 or 2001:db8::/32`,
    });
  if (text.length === 0) return bad('is empty');
  if (text.length > MAX_INPUT) return bad('is too long');
  if (!/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(text)) return bad('is not an address');
  const family: 4 | 6 = text.includes(':') ? 6 : 4;
  const maxPrefix = family === 4 ? 32 : 128;
  const [addressPart, prefixPart] = text.split('/') as [string, string | undefined];
  const prefix = prefixPart === undefined ? maxPrefix : Number(prefixPart);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > maxPrefix) return bad(`has an impossible prefix length (0–${maxPrefix})`);
  // ip-cidr misreads IPv6 with a dotted IPv4 tail: `64:ff9b::203.0.113.7` came out as `203.0.113.7/128`,
  // its range as the IPv4 bits alone, so containment was decided on the wrong address. Refuse the form.
  if (family === 6 && addressPart.includes('.')) return bad('mixes IPv6 with a dotted IPv4 part: write the IPv4 address alone, or the IPv6 address in hex');
  if (!IPCIDR.isValidAddress(addressPart)) return bad('is not a valid address');
  if (family === 4 && addressPart.split('.').some((octet) => octet.length > 1 && octet.startsWith('0'))) {
    return bad('has a leading zero in an octet (ambiguous: octal or decimal)');
  }
  let range: IPCIDR;
  try {
    range = new IPCIDR(`${addressPart}/${prefix}`);
  } catch {
    return bad('is not a valid CIDR');
  }
  const start = BigInt(range.start<bigint>({ type: 'bigInteger' }).toString());
  const end = BigInt(range.end<bigint>({ type: 'bigInteger' }).toString());
  const network = range.start<IPCIDR.Address>({ type: 'addressObject' });
  return Object.freeze({ ok: true, cidr: Object.freeze({ text: `${network.correctForm()}/${prefix}`, family, prefix, start, end }) });
}

/** True when every address of `inner` lies inside `outer` (same family only). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return outer.family === inner.family && inner.start >= outer.start && inner.end <= outer.end;
}

/** `0.0.0.0/0` or `::/0`: the whole address family. */
export function isWholeFamily(cidr: Cidr): boolean {
  return cidr.prefix === 0;
}

/** Convenience for callers holding normalised text: parse both and test containment. */
export function cidrTextContains(outer: string, inner: string): boolean {
  const a = parseCidr(outer);
  const b = parseCidr(inner);
  return a.ok && b.ok && cidrContains(a.cidr, b.cidr);
}
