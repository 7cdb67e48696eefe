// The address a request came from. Behind the ack front (ack-front.ts) the
// bot's Bolt receiver hears every request from loopback; the front passes the
// caller's own address in a header with this process's key, and the receiver
// keeps it here (`adoptPeer`) before any route reads it. A header without the
// key (sent by anything but the front) is dropped and the socket's address
// stands, so no client can claim an address by sending the header itself.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const PEER_HEADER = 'x-jit-front-peer';
export const KEY_HEADER = 'x-jit-front-key';
/** Known to this process's front threads only. */
export const FRONT_KEY = randomBytes(24).toString('base64url');

const peers = new WeakMap<IncomingMessage, string>();
const KEY = Buffer.from(FRONT_KEY);

/** Takes the front's headers off `req`, keeping the caller's address when they carry this process's key. */
export function adoptPeer(req: IncomingMessage): void {
  const peer = req.headers[PEER_HEADER];
  const key = req.headers[KEY_HEADER];
  delete req.headers[PEER_HEADER];
  delete req.headers[KEY_HEADER];
  if (typeof peer === 'string' && peer !== '' && typeof key === 'string' && sameKey(key)) peers.set(req, peer);
}

/** The caller's address: the one the front passed, else the socket's. */
export function peerAddress(req: IncomingMessage): string | undefined {
  return peers.get(req) ?? req.socket.remoteAddress;
}

function sameKey(key: string): boolean {
  const given = Buffer.from(key);
  return given.length === KEY.length && timingSafeEqual(given, KEY);
}
