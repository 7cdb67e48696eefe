// Which address a browser connected from, for "Use my IP". X-Forwarded-For is
// trusted only when the direct peer is one of our own proxies; otherwise anyone
// could claim any address by sending the header.

import { cidrContains, parseCidr, type Cidr } from './cidr.js';

/** The client address behind our proxies, or undefined when none can be told. */
export function callerAddress(remoteAddress: string | undefined, forwardedFor: string | undefined, trustedProxies: readonly Cidr[]): string | undefined {
  const peer = plainAddress(remoteAddress);
  if (!peer) return undefined;
  if (!isTrusted(peer, trustedProxies) || !forwardedFor) return peer;
  // Right to left: each trusted proxy appended the address it saw; the first
  // hop we do not trust is the client (anything left of it may be forged).
  const hops = forwardedFor.split(',').map((hop) => plainAddress(hop.trim()));
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i];
    if (!hop) return undefined;
    if (!isTrusted(hop, trustedProxies)) return hop;
  }
  return hops[0] ?? peer;
}

/** `::ffff:198.51.100.7` (IPv4 on a dual-stack socket) → `198.51.100.7`; anything not an address → undefined. */
function plainAddress(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const unmapped = text.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
  const parsed = parseCidr(unmapped);
  return parsed.ok && parsed.cidr.prefix === (parsed.cidr.family === 4 ? 32 : 128) ? parsed.cidr.text.replace(/\/\d+$/, '') : undefined;
}

function isTrusted(address: string, trustedProxies: readonly Cidr[]): boolean {
  const parsed = parseCidr(address);
  return parsed.ok && trustedProxies.some((proxy) => cidrContains(proxy, parsed.cidr));
}
