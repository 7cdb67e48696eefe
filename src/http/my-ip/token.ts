// "Use my IP" links: a signed, short-lived token in the URL. The HMAC key is
// derived from the signing secret, so there is no new secret to manage, and a
// token cannot be forged or altered without it. Single use is enforced by the
// store (the nonce), expiry here.

import { createHmac, timingSafeEqual } from 'node:crypto';

export const LINK_TTL_MS = 5 * 60_000;

/** What opening the link does: record the address for the user, and, for an inline request, create it. */
export interface LinkPayload {
  nonce: string;
  user: string;
  /** Epoch ms after which the link is refused. */
  expiresAt: number;
  /** For `/jit request … me …`: the request to create with the captured address. */
  draft?: { vm: string; ports: string; duration: string; justification: string };
}

export type LinkCheck = { ok: true; payload: LinkPayload } | { ok: false; reason: 'malformed' | 'forged' | 'expired' };

export function linkKey(signingSecret: string): Buffer {
  return createHmac('sha256', signingSecret).update('jit use-my-ip link v1').digest();
}

export function signLink(payload: LinkPayload, key: Buffer): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(body, key)}`;
}

export function verifyLink(token: string, key: Buffer, now: number): LinkCheck {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined || token.length > 4000) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(mac(body, key));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'forged' };
  let payload: LinkPayload;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as LinkPayload;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof payload.expiresAt !== 'number' || typeof payload.nonce !== 'string' || typeof payload.user !== 'string') return { ok: false, reason: 'malformed' };
  return payload.expiresAt < now ? { ok: false, reason: 'expired' } : { ok: true, payload };
}

function mac(body: string, key: Buffer): string {
  return createHmac('sha256', key).update(body).digest('base64url');
}
