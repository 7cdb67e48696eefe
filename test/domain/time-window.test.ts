import { describe, it, expect } from 'vitest';
import { canonicalTimeZone, describeWeekdays, localCode, localTime, parseHours, type Weekday, WEEKDAYS, zoneClock } from '../../src/domain/time-window.js';

describe('parseHours', () => {
  const accepted: [text: string, from: number, to: number][] = [
    ['09:00-18:00', 540, 1_080],
    ['9:30 - 17:45', 570, 1_065],
    ['22:00-06:00', 1_320, 360],
    ['00:00-24:00', 0, 1_440],
    ['18:00–20:00', 1_080, 1_200],
  ];
  it.each(accepted)('%s_isAccepted', (text, from, to) => {
    expect(parseHours(text)).toEqual({ ok: true, window: { from, to } });
  });

  const refused: [behaviour: string, text: string, error: string][] = [
    ['hoursPast23_areImpossible', '25:00-26:00', '`25:00-26:00` has an impossible time 25:00: use 00:00 to 23:59 (24:00 only as the end)'],
    ['minutesPast59_areImpossible', '09:60-18:00', 'has an impossible time 09:60'],
    ['midnightAs24_onlyAsTheEnd', '24:00-06:00', 'has an impossible time 24:00'],
    ['sameStartAndEnd_isRefused', '09:00-09:00', 'starts and ends at the same time: use 00:00-24:00 for the whole day'],
    ['singleTime_isNotARange', '09:00', '`09:00` is not a time range: write from-to in 24-hour time, such as 09:00-18:00'],
    ['twelveHourClock_isNotARange', '9am-5pm', 'is not a time range'],
  ];
  it.each(refused)('%s', (_behaviour, text, error) => {
    const result = parseHours(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(error);
  });
});

describe('describeWeekdays', () => {
  const rows: [days: Weekday[], text: string][] = [
    [['mon', 'tue', 'wed', 'thu', 'fri'], 'mon–fri'],
    [['sat', 'sun'], 'sat, sun'],
    [['fri', 'mon', 'tue', 'wed'], 'mon–wed, fri'],
    [['wed'], 'wed'],
    [['mon', 'mon', 'tue'], 'mon, tue'],
  ];
  it.each(rows)('%j_reads_%s', (days, text) => expect(describeWeekdays(days)).toBe(text));
});

describe('canonicalTimeZone', () => {
  it('knownZoneInAnyCase_isCanonicalised', () => expect(canonicalTimeZone('europe/paris')).toBe('Europe/Paris'));
  it('utc_isKnown', () => expect(canonicalTimeZone('UTC')).toBe('UTC'));
  it('unknownZone_isUndefined', () => expect(canonicalTimeZone('Europe/Pariss')).toBeUndefined());
});

describe('localTime', () => {
  it('midnight_isMinuteZeroNot24', () => {
    expect(localTime(Date.parse('2025-01-01T00:00:00Z'), 'UTC')).toEqual({ weekday: 'wed', minutes: 0 });
  });
  it('springForwardGap_jumpsFrom0159To0300InParis', () => {
    expect(localTime(Date.parse('2025-03-30T00:59:00Z'), 'Europe/Paris')).toEqual({ weekday: 'sun', minutes: 119 });
    expect(localTime(Date.parse('2025-03-30T01:00:00Z'), 'Europe/Paris')).toEqual({ weekday: 'sun', minutes: 180 });
  });
});

describe('localCode', () => {
  // What Intl says, read afresh: the table of recent minutes must never answer otherwise.
  const formats = new Map<string, Intl.DateTimeFormat>();
  const fresh = (now: number, zone: string): number => {
    if (!formats.has(zone))
      formats.set(zone, new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', weekday: 'short', hour: '2-digit', minute: '2-digit' }));
    const parts = formats.get(zone)!.formatToParts(new Date(now));
    const part = (type: string) => parts.find((p) => p.type === type)!.value;
    return WEEKDAYS.indexOf(part('weekday').toLowerCase() as Weekday) * 1440 + (Number(part('hour')) % 24) * 60 + Number(part('minute'));
  };

  it('localCode_manyMoreMinutesThanTheTableHolds_everyAnswerStillRight', () => {
    const zones = ['UTC', 'Europe/Paris', 'Asia/Kolkata', 'America/St_Johns'];
    const start = Date.UTC(2026, 2, 28, 22);
    // Three passes over 700 minutes (the table holds 256 a zone), crossing Paris's change to summer time.
    for (let pass = 0; pass < 3; pass++) {
      for (let i = 0; i < 700; i++) {
        const now = start + i * 60_000 + 59_999;
        for (const zone of zones) expect(localCode(zoneClock(zone), now), `${zone} ${new Date(now).toISOString()}`).toBe(fresh(now, zone));
      }
    }
  });

  it('localCode_minutesThatShareASlot_bothAnsweredRight', () => {
    const clock = zoneClock('Asia/Tokyo');
    const moments = Array.from({ length: 2000 }, (_, i) => Date.UTC(2025, 0, 1) + i * 7_919 * 60_000);
    for (const now of [...moments, ...moments.reverse()]) expect(localCode(clock, now)).toBe(fresh(now, 'Asia/Tokyo'));
  });

  it('localCode_unknownZoneOrMoment_throwsSoTheRuleFailsClosed', () => {
    expect(() => zoneClock('Mars/Olympus')).toThrow(RangeError);
    expect(() => localCode(zoneClock('UTC'), Number.NaN)).toThrow(RangeError);
    expect(localTime(Date.UTC(2026, 0, 5, 0, 0), 'UTC')).toEqual({ weekday: 'mon', minutes: 0 });
  });
});
