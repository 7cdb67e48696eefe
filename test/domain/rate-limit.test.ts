import { describe, expect, it } from 'vitest';
import { SlidingWindowLimiter } from '../../src/domain/rate-limit.js';

describe('SlidingWindowLimiter', () => {
  it('take_upToTheLimit_isAllowed_thenRefusedWithTheWait', () => {
    const limiter = new SlidingWindowLimiter({ max: 3, windowMs: 60_000 });
    expect([0, 1000, 2000].map((at) => limiter.take('U1', at).ok)).toEqual([true, true, true]);
    expect(limiter.take('U1', 3000)).toEqual({ ok: false, retryAfterMs: 57_000 });
    expect(limiter.take('U2', 3000).ok).toBe(true);
  });

  it('take_afterTheWindowSlides_isAllowedAgain', () => {
    const limiter = new SlidingWindowLimiter({ max: 2, windowMs: 10_000 });
    limiter.take('U1', 0);
    limiter.take('U1', 5_000);
    expect(limiter.take('U1', 9_999).ok).toBe(false);
    expect(limiter.take('U1', 10_001).ok).toBe(true);
    expect(limiter.take('U1', 10_002).ok).toBe(false);
  });
});
