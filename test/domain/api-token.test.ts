// Token text: the `jit_<id>_<secret>` format, its hashing and the
// constant-time check, and what a stored token's fields say.

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatToken, hashSecret, newTokenId, newTokenSecret, normaliseTokenId, parseToken, secretMatches } from '../../src/domain/api-token.js';
import { tokenStatus, tokenUsedEvent } from '../../src/domain/api-token-record.js';

const bytes = (n: number) => randomBytes(n);

describe('API token text', () => {
  it('newToken_formatsAndParsesBack', () => {
    const token = { id: newTokenId(bytes), secret: newTokenSecret(bytes) };
    const text = formatToken(token);
    expect(text).toMatch(/^jit_[23456789a-hjkmnp-z]{8}_[A-Za-z0-9_-]{43}$/);
    expect(parseToken(text)).toEqual(token);
  });

  it('parse_aSecretWithUnderscores_keepsThemInTheSecret', () => {
    const secret = `${'_'.repeat(10)}${'a'.repeat(33)}`;
    expect(parseToken(`jit_k7m2qpab_${secret}`)).toEqual({ id: 'k7m2qpab', secret });
  });

  it.each([
    ['empty', ''],
    ['another prefix', `xoxb_k7m2qpab_${'a'.repeat(43)}`],
    ['a short id', `jit_k7m2qp_${'a'.repeat(43)}`],
    ['look-alike characters in the id', `jit_k7m2qpa1_${'a'.repeat(43)}`],
    ['a short secret', `jit_k7m2qpab_${'a'.repeat(42)}`],
    ['a long secret', `jit_k7m2qpab_${'a'.repeat(44)}`],
    ['characters base64url lacks', `jit_k7m2qpab_${'a'.repeat(42)}=`],
    ['not text', 42],
  ])('parse_%s_isNoToken', (_what, text) => {
    expect(parseToken(text)).toBeUndefined();
  });

  it('newTokenId_fromABiasedSource_rejectsBytesAbove248_andABrokenSourceThrows', () => {
    let calls = 0;
    const id = newTokenId((n) => {
      calls++;
      return new Uint8Array(n).fill(calls === 1 ? 255 : 0);
    });
    expect(id).toBe('22222222');
    expect(() => newTokenId((n) => new Uint8Array(n).fill(250))).toThrow(/no usable bytes/);
  });

  it('hash_isSha256Hex_andTheCheckAcceptsOnlyTheSameSecret', () => {
    const secret = newTokenSecret(bytes);
    const stored = hashSecret(secret);
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(secretMatches(secret, stored)).toBe(true);
    expect(secretMatches(`${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`, stored)).toBe(false);
    // A damaged stored hash (another length) is a mismatch, not an exception from timingSafeEqual.
    expect(secretMatches(secret, stored.slice(2))).toBe(false);
  });

  it('normaliseTokenId_acceptsAsTyped_andRefusesWhatCannotBeOne', () => {
    expect(normaliseTokenId(' K7M2QPAB ')).toBe('k7m2qpab');
    expect(normaliseTokenId('k7m2qp')).toBeUndefined();
    expect(normaliseTokenId(undefined)).toBeUndefined();
  });
});

describe('API token record', () => {
  it('status_revokedWinsOverExpired_andExpiryIsExclusive', () => {
    expect(tokenStatus({ expiresAt: 100 }, 99)).toBe('live');
    expect(tokenStatus({ expiresAt: 100 }, 100)).toBe('expired');
    expect(tokenStatus({ expiresAt: 100, revokedAt: 50 }, 200)).toBe('revoked');
  });

  it('usedEvent_namesTheOwnerTokenAndCall_neverTheSecret', () => {
    expect(tokenUsedEvent({ id: 'k7m2qpab', owner: 'UOWNER' }, 'POST', '/api/v1/requests', 5)).toEqual({
      name: 'api.token_used',
      actor: 'UOWNER',
      at: 5,
      detail: 'token k7m2qpab: POST /api/v1/requests',
    });
  });
});
