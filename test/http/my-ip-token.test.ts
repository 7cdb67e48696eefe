import { describe, expect, it } from 'vitest';
import { linkKey, signLink, verifyLink, type LinkPayload } from '../../src/http/my-ip/token.js';

const key = linkKey('signing-secret-123456');
const payload: LinkPayload = { nonce: 'n1', user: 'UALICE', expiresAt: 10_000, draft: { vm: 'web-1', ports: '22', duration: '1h', justification: 'x' } };

describe('use-my-ip link tokens', () => {
  it('verifyLink_signedToken_roundTrips', () => {
    expect(verifyLink(signLink(payload, key), key, 9_999)).toEqual({ ok: true, payload });
  });

  it.each([
    ['expired', (t: string) => t, 10_001, 'expired'],
    ['another key', (_t: string) => signLink(payload, linkKey('other-secret-123456')), 0, 'forged'],
    ['altered body', (t: string) => `${Buffer.from(JSON.stringify({ ...payload, user: 'UMALLORY' })).toString('base64url')}.${t.split('.')[1]}`, 0, 'forged'],
    ['altered signature', (t: string) => `${t.slice(0, -2)}xx`, 0, 'forged'],
    ['no signature', (t: string) => t.split('.')[0]!, 0, 'malformed'],
    ['extra part', (t: string) => `${t}.x`, 0, 'malformed'],
  ])('verifyLink_%s_isRefused', (_name, tamper, now, reason) => {
    expect(verifyLink(tamper(signLink(payload, key)), key, now)).toEqual({ ok: false, reason });
  });
});
