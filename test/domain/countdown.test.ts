import { describe, expect, it } from 'vitest';
import { formatCountdown } from '../../src/domain/duration.js';

describe('formatCountdown', () => {
  it.each([
    [3852, '1h 4m'],
    [3599.9, '59m'],
    [86_400 + 61, '1d 1m'],
    [60, '1m'],
    [59.7, '59s'],
    [45, '45s'],
    [0, '0s'],
    [-5, '0s'],
  ])('formatCountdown_%s_is_%s', (seconds, shown) => {
    expect(formatCountdown(seconds)).toBe(shown);
  });
});
