import { describe, expect, it } from 'vitest';
import { rateVerdict, windowStart } from '../../src/domain/rate-limit.js';

describe('rateVerdict', () => {
  const limit = { max: 3, windowMs: 60_000 };

  it('belowTheLimit_isAllowed', () => {
    expect(rateVerdict(limit, [], 0)).toEqual({ ok: true });
    expect(rateVerdict(limit, [0, 1000], 2000)).toEqual({ ok: true });
  });

  it('atTheLimit_isRefused_withTheWaitUntilTheOldestLeavesTheWindow', () => {
    expect(rateVerdict(limit, [0, 1000, 2000], 3000)).toEqual({ ok: false, retryAfterMs: 57_000 });
  });

  it('overTheLimit_waitsForEnoughToLeave', () => {
    // Five in the window (two replicas counted together): three must leave before one more fits.
    expect(rateVerdict(limit, [0, 1000, 2000, 3000, 4000], 5000)).toEqual({ ok: false, retryAfterMs: 57_000 });
  });

  it('afterTheWindowSlides_isAllowedAgain', () => {
    const two = { max: 2, windowMs: 10_000 };
    expect(rateVerdict(two, [0, 5000], 9_999).ok).toBe(false);
    expect(rateVerdict(two, [0, 5000], 10_000)).toEqual({ ok: true });
    expect(windowStart(two, 10_000)).toBe(1);
  });
});
