// The nftables ruleset as text, built only from values that validation parsed.
// Pure: nothing here runs `nft`, reads a clock or touches the network.
//
// Layout of the one table the backend owns (`inet <table>`):
//   set allow4_<n>  ipv4_addr . ipv4_addr . inet_proto . inet_service  (src prefix . VM . proto . port), flags interval, timeout
//   set allow6_<n>  the same for IPv6; n = 0 … slots-1
//   set protected4  ipv4_addr . inet_proto . inet_service              (VM . proto . port)
//   set protected6  the same for IPv6
//   chain input / forward  (base chains, filter priority, policy accept)
//       ct state established,related accept
//       ip  daddr . meta l4proto . th dport @protected4 jump guard4
//       ip6 daddr . meta l4proto . th dport @protected6 jump guard6
//   chain guard4 / guard6  (reached only for a protected port)
//       ip saddr . ip daddr . meta l4proto . th dport @allow4_<n> accept   (one rule per slot)
//       drop
//
// Why several allow sets ("slots"): a set with concatenated interval keys (the
// kernel's pipapo type) refuses an element whose range starts or ends inside
// another one, so `0.0.0.0/0` and `203.0.113.7/32` to the same VM port cannot
// share a set, nor can two grants with the same key but their own timeouts.
// Each grant's element goes into the first slot where it overlaps nothing.

import { parseCidr } from '../../domain/cidr.js';
import type { Protocol } from '../../domain/types.js';

export type Family = 4 | 6;
export type L4 = 'tcp' | 'udp';

export const DEFAULT_TABLE = 'jit';
export const DEFAULT_SLOTS = 8;
export const MAX_SLOTS = 64;

const TABLE_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;
/** Element comments carry a request id; nothing else may reach the script. */
const REQUEST_ID_PATTERN = /^[a-z0-9-]{1,64}$/;

export interface Layout {
  table: string;
  slots: number;
}

/** A source as a range of addresses; `text` is valid nft syntax (a parseCidr prefix or `a-b`). */
export interface SourceRange {
  text: string;
  family: Family;
  start: bigint;
  end: bigint;
}

/** A VM port the kernel can match: the VM's address must be an IP literal. */
export interface ProtectedKey {
  family: Family;
  /** Canonical address without prefix length (`10.1.0.2`, `fd00::2`). */
  address: string;
  protocol: L4;
  port: number;
}

export interface AllowElement extends ProtectedKey {
  slot: number;
  source: SourceRange;
  comment?: string;
  /** Remaining lifetime the kernel reported, in ms; undefined for an element without timeout. */
  expiresMs?: number;
}

export function validateLayout(table: string, slots: number): Layout {
  if (!TABLE_PATTERN.test(table)) {
    throw new Error(`nftables table name \`${table.slice(0, 40)}\` is invalid: use 1–32 characters a-z, 0-9, _ starting with a letter`);
  }
  if (!Number.isInteger(slots) || slots < 1 || slots > MAX_SLOTS) {
    throw new Error(`nftables slots must be a whole number from 1 to ${MAX_SLOTS}, got ${slots}`);
  }
  return { table, slots };
}

export function isRequestId(text: string): boolean {
  return REQUEST_ID_PATTERN.test(text);
}

/** The VM's address as an IP literal, or undefined for a host name, a prefix or garbage. */
export function hostAddress(address: string): { family: Family; address: string } | undefined {
  if (address.includes('/')) return undefined;
  const parsed = parseCidr(address);
  if (!parsed.ok) return undefined;
  return { family: parsed.cidr.family, address: parsed.cidr.text.slice(0, parsed.cidr.text.lastIndexOf('/')) };
}

export function protocolsOf(protocol: Protocol): L4[] {
  if (protocol === 'TCP') return ['tcp'];
  if (protocol === 'UDP') return ['udp'];
  return ['tcp', 'udp'];
}

export function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

export function allowSetName(family: Family, slot: number): string {
  return `allow${family}_${slot}`;
}

export function protectedSetName(family: Family): string {
  return `protected${family}`;
}

/**
 * How long the kernel keeps an element past its grant's end: a few jiffies (4 ms
 * at HZ=250, 10 ms at HZ=100), because it rounds a timeout to jiffies and may
 * expire an element a few ms early. The kernel closes the grant itself this
 * soon after the end, so a close at the end mostly waits instead of deleting.
 */
export const KERNEL_MARGIN_MS = 10;
const TIMEOUT_STEP_MS = 10;

/**
 * Kernel timeout for a grant, in ms: its remaining time plus KERNEL_MARGIN_MS,
 * rounded up to 10 ms, so the kernel never closes before the bot would.
 */
export function timeoutMs(endAt: number, now: number): number {
  return Math.max(TIMEOUT_STEP_MS, Math.ceil((endAt - now + KERNEL_MARGIN_MS) / TIMEOUT_STEP_MS) * TIMEOUT_STEP_MS);
}

const FAMILIES: Family[] = [4, 6];
const ADDR_TYPE: Record<Family, string> = { 4: 'ipv4_addr', 6: 'ipv6_addr' };
const IP: Record<Family, string> = { 4: 'ip', 6: 'ip6' };
const BASE_CHAINS = ['input', 'forward'] as const;

/** `add table` and `add set` only: no-ops when present, so any transaction may start with them. */
export function skeletonScript(layout: Layout): string[] {
  const t = `inet ${layout.table}`;
  const lines = [`add table ${t}`];
  for (const family of FAMILIES) {
    const addr = ADDR_TYPE[family];
    for (let slot = 0; slot < layout.slots; slot++) {
      lines.push(`add set ${t} ${allowSetName(family, slot)} { type ${addr} . ${addr} . inet_proto . inet_service; flags interval, timeout; }`);
    }
    lines.push(`add set ${t} ${protectedSetName(family)} { type ${addr} . inet_proto . inet_service; }`);
  }
  return lines;
}

/**
 * Converges chains and protected sets to `ports` in one transaction. Allow sets
 * are only created when missing, never flushed: running timeouts survive.
 */
export function protectScript(layout: Layout, ports: ProtectedKey[]): string {
  const t = `inet ${layout.table}`;
  const lines = skeletonScript(layout);
  for (const family of FAMILIES) lines.push(`add chain ${t} guard${family}`);
  for (const hook of BASE_CHAINS) {
    lines.push(`add chain ${t} ${hook} { type filter hook ${hook} priority filter; policy accept; }`);
  }
  for (const family of FAMILIES) {
    const ip = IP[family];
    lines.push(`flush chain ${t} guard${family}`);
    for (let slot = 0; slot < layout.slots; slot++) {
      lines.push(`add rule ${t} guard${family} ${ip} saddr . ${ip} daddr . meta l4proto . th dport @${allowSetName(family, slot)} accept`);
    }
    lines.push(`add rule ${t} guard${family} drop`);
  }
  for (const hook of BASE_CHAINS) {
    lines.push(`flush chain ${t} ${hook}`);
    lines.push(`add rule ${t} ${hook} ct state established,related accept`);
    for (const family of FAMILIES) {
      lines.push(`add rule ${t} ${hook} ${IP[family]} daddr . meta l4proto . th dport @${protectedSetName(family)} jump guard${family}`);
    }
  }
  for (const family of FAMILIES) {
    lines.push(`flush set ${t} ${protectedSetName(family)}`);
    const keys = [...new Set(ports.filter((p) => p.family === family).map((p) => `${p.address} . ${p.protocol} . ${p.port}`))];
    if (keys.length > 0) lines.push(`add element ${t} ${protectedSetName(family)} { ${keys.join(', ')} }`);
  }
  return `${lines.join('\n')}\n`;
}

function elementKey(element: AllowElement): string {
  return `${element.source.text} . ${element.address} . ${element.protocol} . ${element.port}`;
}

/** Refuses anything that is not exactly what validation produced, as a last guard before the script. */
function assertRenderable(element: AllowElement, layout: Layout): void {
  const parts = [element.source.text, element.address];
  const safe = parts.every((part) => /^[0-9a-f:./-]+$/i.test(part));
  if (!safe || !isPort(element.port) || element.slot < 0 || element.slot >= layout.slots) {
    throw new Error(`refusing to render allow element ${JSON.stringify({ ...element, source: element.source.text })}`);
  }
}

/** `timeout` is in ms (timeoutMs). */
export function addElementLine(layout: Layout, element: AllowElement, timeout: number): string {
  assertRenderable(element, layout);
  if (!Number.isInteger(timeout) || timeout < 1) throw new Error(`invalid timeout ${timeout} ms`);
  if (element.comment !== undefined && !isRequestId(element.comment)) {
    throw new Error(`refusing to render comment ${JSON.stringify(element.comment.slice(0, 80))}`);
  }
  const comment = element.comment === undefined ? '' : ` comment "${element.comment}"`;
  return `add element inet ${layout.table} ${allowSetName(element.family, element.slot)} { ${elementKey(element)} timeout ${timeout}ms${comment} }`;
}

export function deleteElementLine(layout: Layout, element: AllowElement): string {
  assertRenderable(element, layout);
  return `delete element inet ${layout.table} ${allowSetName(element.family, element.slot)} { ${elementKey(element)} }`;
}
