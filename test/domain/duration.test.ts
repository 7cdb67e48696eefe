import { describe, it, expect } from 'vitest';
import { formatDuration, MAX_DURATION_SECONDS, parseDuration, toIsoDuration } from '../../src/domain/duration.js';

describe('parseDuration accepts', () => {
  const rows: [text: string, seconds: number][] = [
    ['90m', 5_400],
    ['2h', 7_200],
    ['1d', 86_400],
    ['45s', 45],
    ['1h30m', 5_400],
    ['1d2h', 93_600],
    ['1h 30m', 5_400],
    ['1d 2h', 93_600],
    ['2H', 7_200],
    ['  3h  ', 10_800],
    ['2 hours', 7_200],
    ['90 minutes', 5_400],
    ['1 day', 86_400],
    ['30 sec', 30],
    ['PT3H', 10_800],
    ['PT1H30M', 5_400],
    ['PT90M', 5_400],
    ['P1D', 86_400],
    ['P1DT2H', 93_600],
    ['PT30S', 30],
    ['pt3h', 10_800],
    ['P1W', 604_800],
    ['P366D', MAX_DURATION_SECONDS],
    ['366d', MAX_DURATION_SECONDS],
  ];
  it.each(rows)('parseDuration_%s_is_%i_seconds', (text, seconds) => {
    expect(parseDuration(text)).toEqual({ ok: true, seconds });
  });
});

describe('parseDuration refuses', () => {
  const rows: [why: string, text: string, error: string][] = [
    ['garbage', '3x', '`3x` is not a duration: use 90m, 2h, 1d or ISO 8601 such as PT3H'],
    ['empty input', '   ', 'the duration is empty: use 90m, 2h, 1d or ISO 8601 such as PT3H'],
    ['a bare number', '90', '`90` has no unit: write 90m for minutes or 90h for hours'],
    ['zero', '0m', '`0m` is zero: ask for a duration such as 30m or 2h'],
    ['ISO zero', 'PT0S', '`PT0S` is zero'],
    ['a negative', '-2h', '`-2h` is negative: ask for a positive duration such as 2h'],
    ['an ISO negative', 'PT-3H', '`PT-3H` is negative'],
    ['a fraction', '1.5h', '`1.5h` has a fraction: use whole units such as 1h30m'],
    ['an ISO fraction', 'PT1.5H', '`PT1.5H` has a fraction: use whole units such as PT1H30M'],
    ['ISO months', 'P1M', '`P1M` counts years or months, whose length varies: use days instead, such as P30D'],
    ['ISO years', 'P1Y', '`P1Y` counts years or months'],
    ['ISO years and months', 'P1Y2M', '`P1Y2M` counts years or months'],
    ['short months', '2 months', '`2 months` counts years or months, whose length varies: use days instead, such as 30d'],
    ['short weeks', '2w', '`2w` counts weeks: use days instead, such as 14d'],
    ['ISO weeks mixed with days', 'P1W2D', '`P1W2D` mixes weeks with other units, which ISO 8601 does not allow: write P9D'],
    ['more than 366 days', '367d', '`367d` is longer than 366 days: ask for 366d or less'],
    ['more than 366 days in ISO', 'PT8785H', '`PT8785H` is longer than 366 days: ask for P366D or less'],
    ['a repeated unit', '1h1h', '`1h1h` is not a duration'],
    ['a bare P', 'P', '`P` is not a duration'],
    ['a T with nothing after it', 'P1DT', '`P1DT` is not a duration'],
    ['PT alone', 'PT', '`PT` is not a duration'],
    ['over-long input', `${'1h'.repeat(20)}`, 'is too long to be a duration: use 90m, 2h, 1d or ISO 8601 such as PT3H'],
  ];
  it.each(rows)('parseDuration_given%s_isRefused', (_why, text, error) => {
    const result = parseDuration(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(error);
  });

  it('parseDuration_givenOverLongInput_echoesOnlyItsStart', () => {
    const result = parseDuration('9'.repeat(5000));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.length).toBeLessThan(120);
  });
});

describe('formatDuration and toIsoDuration', () => {
  const rows: [seconds: number, human: string, iso: string][] = [
    [5_400, '1h 30m', 'PT1H30M'],
    [10_800, '3h', 'PT3H'],
    [45, '45s', 'PT45S'],
    [93_600, '1d 2h', 'P1DT2H'],
    [86_400, '1d', 'P1D'],
    [90_061, '1d 1h 1m 1s', 'P1DT1H1M1S'],
    [0, '0s', 'PT0S'],
  ];
  it.each(rows)('format_%i_seconds_as_%s_and_%s', (seconds, human, iso) => {
    expect(formatDuration(seconds)).toBe(human);
    expect(toIsoDuration(seconds)).toBe(iso);
  });

  it.each(rows.filter(([seconds]) => seconds > 0))('roundTrip_%i_secondsThroughBothForms_isLossless', (seconds, human, iso) => {
    expect(parseDuration(human)).toEqual({ ok: true, seconds });
    expect(parseDuration(iso)).toEqual({ ok: true, seconds });
  });

  it('formatDuration_givenNegativeOrFractional_clampsInsteadOfThrowing', () => {
    expect(formatDuration(-5)).toBe('0s');
    expect(formatDuration(90.7)).toBe('1m 30s');
  });
});
