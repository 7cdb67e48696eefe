// Reads `nft -j list table inet <table>` back into allow elements. Every value
// the kernel reports is parsed again (parseCidr, port and protocol checks)
// before the planner may render it into a delete command.

import { parseCidr } from '../../domain/cidr.js';
import type { AllowElement, Family, L4, SourceRange } from './ruleset.js';

export interface LiveTable {
  allow: AllowElement[];
  /** Elements we could not read (foreign shapes such as port ranges), as JSON, for the log. */
  unreadable: string[];
}

const ALLOW_SET = /^allow([46])_(\d{1,2})$/;
const PROTOCOLS: Record<string, L4> = { tcp: 'tcp', udp: 'udp', '6': 'tcp', '17': 'udp' };

type Json = unknown;

function record(value: Json): Record<string, Json> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, Json>) : undefined;
}

export function parseTable(output: string, table: string): LiveTable {
  let document: Json;
  try {
    document = JSON.parse(output);
  } catch (error) {
    throw new Error(`nft -j printed something that is not JSON: ${(error as Error).message}`);
  }
  const items = record(document)?.nftables;
  if (!Array.isArray(items)) throw new Error('nft -j output has no `nftables` array');
  const live: LiveTable = { allow: [], unreadable: [] };
  for (const item of items) {
    const set = record(record(item)?.set);
    if (!set || set.table !== table || set.family !== 'inet' || typeof set.name !== 'string') continue;
    const match = ALLOW_SET.exec(set.name);
    if (!match) continue;
    const family = Number(match[1]) as Family;
    const slot = Number(match[2]);
    const elems = Array.isArray(set.elem) ? set.elem : [];
    for (const entry of elems) {
      const element = parseElement(entry, family, slot);
      if (element) live.allow.push(element);
      else live.unreadable.push(JSON.stringify(entry).slice(0, 300));
    }
  }
  return live;
}

/** One set element: `{elem: {val, timeout, expires, comment}}`, or a bare value when it has no options. */
export function parseElement(entry: Json, family: Family, slot: number): AllowElement | undefined {
  const wrapped = record(record(entry)?.elem);
  const value = wrapped ? wrapped.val : entry;
  const concat = record(value)?.concat;
  if (!Array.isArray(concat) || concat.length !== 4) return undefined;
  const [src, dst, proto, port] = concat as [Json, Json, Json, Json];
  const source = parseSource(src, family);
  const address = typeof dst === 'string' ? parseHost(dst, family) : undefined;
  const protocol = typeof proto === 'string' || typeof proto === 'number' ? PROTOCOLS[String(proto)] : undefined;
  if (!source || !address || !protocol || typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    return undefined;
  }
  const element: AllowElement = { family, slot, source, address, protocol, port };
  const comment = wrapped?.comment;
  if (typeof comment === 'string') element.comment = comment;
  // nft -j reports whole seconds, truncated; a timeout with no `expires` yet is still fully ahead.
  const expires = wrapped?.expires ?? wrapped?.timeout;
  if (typeof expires === 'number') element.expiresMs = expires * 1000;
  return element;
}

function parseSource(value: Json, family: Family): SourceRange | undefined {
  if (typeof value === 'string') return fromCidr(value, family);
  const prefix = record(record(value)?.prefix);
  if (prefix && typeof prefix.addr === 'string' && typeof prefix.len === 'number') {
    return fromCidr(`${prefix.addr}/${prefix.len}`, family);
  }
  const range = record(value)?.range;
  if (Array.isArray(range) && range.length === 2 && typeof range[0] === 'string' && typeof range[1] === 'string') {
    const low = fromCidr(range[0], family);
    const high = fromCidr(range[1], family);
    if (!low || !high) return undefined;
    return { text: `${stripHostPrefix(low.text)}-${stripHostPrefix(high.text)}`, family, start: low.start, end: high.end };
  }
  return undefined;
}

function fromCidr(text: string, family: Family): SourceRange | undefined {
  if (family === 4) {
    const fast = ipv4Range(text);
    if (fast !== undefined) return fast;
  }
  const parsed = parseCidr(text);
  if (!parsed.ok || parsed.cidr.family !== family) return undefined;
  const { text: normalised, start, end } = parsed.cidr;
  return { text: normalised, family, start, end };
}

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}(?:/(3[0-2]|[12]?\\d))?$`);

/**
 * A dotted IPv4 address or prefix in canonical form, as parseCidr would give it
 * (host bits cleared), without its general parser: reading a table of 10,000
 * grants parses 10,000 distinct sources, tens of microseconds each through
 * ip-cidr, and a mass expiry reads the table once per batch. Anything else
 * (IPv6, leading zeros, odd shapes) is left to parseCidr.
 */
export function ipv4Range(text: string): SourceRange | undefined {
  const match = IPV4.exec(text);
  if (match === null) return undefined;
  const value = Number(match[1]) * 2 ** 24 + Number(match[2]) * 2 ** 16 + Number(match[3]) * 2 ** 8 + Number(match[4]);
  const prefix = match[5] === undefined ? 32 : Number(match[5]);
  const size = 2 ** (32 - prefix);
  const start = Math.floor(value / size) * size;
  return { text: `${dotted(start)}/${prefix}`, family: 4, start: BigInt(start), end: BigInt(start + size - 1) };
}

function dotted(value: number): string {
  return `${Math.floor(value / 2 ** 24)}.${Math.floor(value / 2 ** 16) % 256}.${Math.floor(value / 2 ** 8) % 256}.${value % 256}`;
}

function parseHost(text: string, family: Family): string | undefined {
  if (text.includes('/')) return undefined;
  const source = fromCidr(text, family);
  return source ? stripHostPrefix(source.text) : undefined;
}

function stripHostPrefix(text: string): string {
  return text.slice(0, text.lastIndexOf('/'));
}
