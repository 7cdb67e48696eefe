// parseCidr and localTime remember recent answers (the rule engine asks for the
// same few on every decision). A remembered answer must be the answer, and
// nobody may change it for the next caller.

import { describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/domain/cidr.js';
import { localTime } from '../../src/domain/time-window.js';

describe('parseCidr memo', () => {
  it('parseCidr_sameTextTwice_sameFrozenAnswer', () => {
    const first = parseCidr('203.0.113.9/24');
    expect(parseCidr('203.0.113.9/24')).toBe(first);
    expect(first).toEqual({ ok: true, cidr: { text: '203.0.113.0/24', family: 4, prefix: 24, start: 3405803776n, end: 3405804031n } });
    expect(Object.isFrozen(first)).toBe(true);
    if (first.ok) expect(() => Object.assign(first.cidr, { prefix: 0 })).toThrow(TypeError);
    expect(parseCidr('203.0.113.9/24')).toEqual(first);
  });

  it('parseCidr_refusalsAreRememberedAsRefusals', () => {
    const first = parseCidr('010.0.0.1');
    expect(first.ok).toBe(false);
    expect(parseCidr('010.0.0.1')).toEqual(first);
  });

  it('parseCidr_moreTextsThanTheMemoHolds_everyAnswerStillRight', () => {
    const texts = Array.from({ length: 3000 }, (_, i) => `10.${i >> 8}.${i & 255}.7/31`);
    for (const text of [...texts, ...texts.slice(0, 100)]) {
      const parsed = parseCidr(text);
      expect(parsed.ok && parsed.cidr.text).toBe(text.replace(/\.7\/31$/, '.6/31'));
    }
  });
});

describe('localTime memo', () => {
  it('localTime_sameMinuteAnotherZone_answersForThatZone', () => {
    const at = Date.UTC(2026, 6, 4, 21, 30, 5);
    expect(localTime(at, 'UTC')).toEqual({ weekday: 'sat', minutes: 21 * 60 + 30 });
    expect(localTime(at + 50_000, 'Asia/Tokyo')).toEqual({ weekday: 'sun', minutes: 6 * 60 + 30 });
    expect(localTime(at + 54_000, 'UTC')).toEqual({ weekday: 'sat', minutes: 21 * 60 + 30 });
    expect(localTime(at + 55_000, 'UTC')).toEqual({ weekday: 'sat', minutes: 21 * 60 + 31 });
    expect(Object.isFrozen(localTime(at, 'UTC'))).toBe(true);
  });

  it('localTime_acrossADaylightSavingChange_followsTheZone', () => {
    // Europe/Paris moves from +01:00 to +02:00 at 01:00 UTC on 29 March 2026.
    expect(localTime(Date.UTC(2026, 2, 29, 0, 59), 'Europe/Paris').minutes).toBe(1 * 60 + 59);
    expect(localTime(Date.UTC(2026, 2, 29, 1, 0), 'Europe/Paris').minutes).toBe(3 * 60);
  });
});
