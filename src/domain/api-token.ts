// REST API tokens as text: `jit_<id>_<secret>`. The id is public (lists, the
// audit log); the secret is 32 random bytes, shown once and stored only as its
// SHA-256. A high-entropy secret needs no slow hash: nobody can guess it from
// its digest, and a plain digest lets a lookup by id be followed by one
// constant-time comparison.

import { createHash, timingSafeEqual } from 'node:crypto';
import { REQUEST_ID_ALPHABET } from './ids.js';

export const TOKEN_PREFIX = 'jit';
export const TOKEN_ID_LENGTH = 8;
export const TOKEN_SECRET_BYTES = 32;
/** Longest name a token may have (it shows in lists and the audit log). */
export const TOKEN_NAME_MAX = 64;

const BASE = REQUEST_ID_ALPHABET.length;
const ACCEPT_BELOW = Math.floor(256 / BASE) * BASE;
const MAX_DRAWS = 64;
const ID_PATTERN = new RegExp(`^[${REQUEST_ID_ALPHABET}]{${TOKEN_ID_LENGTH}}$`);
// 32 bytes in base64url without padding are 43 characters.
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface ParsedToken {
  id: string;
  secret: string;
}

/** A fresh public id: eight characters of the request-id alphabet (no look-alikes), unbiased. */
export function newTokenId(randomBytes: (n: number) => Uint8Array): string {
  let id = '';
  for (let draw = 0; draw < MAX_DRAWS && id.length < TOKEN_ID_LENGTH; draw++) {
    for (const byte of randomBytes(TOKEN_ID_LENGTH - id.length + 2)) {
      if (byte >= ACCEPT_BELOW) continue;
      id += REQUEST_ID_ALPHABET[byte % BASE];
      if (id.length === TOKEN_ID_LENGTH) break;
    }
  }
  if (id.length < TOKEN_ID_LENGTH) throw new Error(`random source gave no usable bytes after ${MAX_DRAWS} draws`);
  return id;
}

export function newTokenSecret(randomBytes: (n: number) => Uint8Array): string {
  const bytes = randomBytes(TOKEN_SECRET_BYTES);
  if (bytes.length !== TOKEN_SECRET_BYTES) throw new Error(`random source gave ${bytes.length} bytes, not ${TOKEN_SECRET_BYTES}`);
  return Buffer.from(bytes).toString('base64url');
}

export function formatToken(token: ParsedToken): string {
  return `${TOKEN_PREFIX}_${token.id}_${token.secret}`;
}

/** The id and secret of a token as a client sent it; undefined unless it has our exact shape. */
export function parseToken(text: unknown): ParsedToken | undefined {
  if (typeof text !== 'string' || text.length > 128) return undefined;
  const prefix = `${TOKEN_PREFIX}_`;
  if (!text.startsWith(prefix)) return undefined;
  const id = text.slice(prefix.length, prefix.length + TOKEN_ID_LENGTH);
  const rest = text.slice(prefix.length + TOKEN_ID_LENGTH);
  if (!ID_PATTERN.test(id) || !rest.startsWith('_')) return undefined;
  const secret = rest.slice(1);
  return SECRET_PATTERN.test(secret) ? { id, secret } : undefined;
}

/** A token id as a person typed it (`/jit token revoke K7M2QPAB`); undefined unless it can be one. */
export function normaliseTokenId(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const id = text.trim().toLowerCase();
  return ID_PATTERN.test(id) ? id : undefined;
}

/** What is stored: the secret's SHA-256, hex. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Whether `secret` is the one `storedHash` was made from, in constant time (the digests have one length). */
export function secretMatches(secret: string, storedHash: string): boolean {
  const given = createHash('sha256').update(secret, 'utf8').digest();
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === given.length && timingSafeEqual(given, stored);
}
