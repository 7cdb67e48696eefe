// Request IDs people read off a Slack message and type into `/jit cancel <id>`:
// six characters, lower case, no look-alikes (0/o, 1/i/l).

export const REQUEST_ID_ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';
export const REQUEST_ID_LENGTH = 6;

const BASE = REQUEST_ID_ALPHABET.length; // 31
// Largest multiple of 31 that fits in a byte (248). Bytes at or above it are
// rejected, so every character is equally likely (no modulo bias).
const ACCEPT_BELOW = Math.floor(256 / BASE) * BASE;
// A healthy source rejects 8/256 of bytes; this many draws in a row without
// finishing means the source is broken, and looping forever would hang a request.
const MAX_DRAWS = 64;

const ID_PATTERN = new RegExp(`^[${REQUEST_ID_ALPHABET}]{${REQUEST_ID_LENGTH}}$`);

/**
 * A fresh request ID. `randomBytes` is injected (crypto.randomBytes in production)
 * so the domain owns no randomness source. Uniqueness is the store's job: ~8.9e8 IDs.
 */
export function newRequestId(randomBytes: (n: number) => Uint8Array): string {
  let id = '';
  for (let draw = 0; draw < MAX_DRAWS && id.length < REQUEST_ID_LENGTH; draw++) {
    // Ask for a few spare bytes so one rejection rarely costs another call.
    for (const byte of randomBytes(REQUEST_ID_LENGTH - id.length + 2)) {
      if (byte >= ACCEPT_BELOW) continue;
      id += REQUEST_ID_ALPHABET[byte % BASE];
      if (id.length === REQUEST_ID_LENGTH) break;
    }
  }
  if (id.length < REQUEST_ID_LENGTH) {
    throw new Error(`random source gave no usable bytes after ${MAX_DRAWS} draws`);
  }
  return id;
}

/** Reads an ID as a person typed it (`#AB23CD `); undefined unless it can be one of ours. */
export function normaliseRequestId(text: string): string | undefined {
  // A button value or form field from a forged payload can be any JSON value, typed or not.
  if (typeof text !== 'string') return undefined;
  let id = text.trim().toLowerCase();
  if (id.startsWith('#')) id = id.slice(1);
  return ID_PATTERN.test(id) ? id : undefined;
}
