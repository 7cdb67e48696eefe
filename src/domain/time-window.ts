// Time-of-day and weekday conditions, read in a rule's IANA time zone. Pure:
// the moment comes in as epoch ms and Intl does the zone arithmetic (DST
// included), so nothing here reads the clock.

import type { RuleMatch } from './types.js';

export type Weekday = NonNullable<RuleMatch['weekdays']>[number];
export type HoursWindow = NonNullable<RuleMatch['hours']>;

/** Monday first, as people write ranges (`mon–fri`). */
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const DAY_MINUTES = 1_440;
const RANGE = /^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$/;

export type HoursResult = { ok: true; window: HoursWindow } | { ok: false; error: string };

/** `09:00-18:00`: from inclusive, to exclusive; `22:00-06:00` wraps midnight; `24:00` only as the end. */
export function parseHours(text: string): HoursResult {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  const match = RANGE.exec(text);
  if (!match) return { ok: false, error: `\`${shown}\` is not a time range: write from-to in 24-hour time, such as 09:00-18:00` };
  const [, fromH = '', fromM = '', toH = '', toM = ''] = match;
  const from = minutesOf(fromH, fromM, false);
  const to = minutesOf(toH, toM, true);
  for (const [value, h, m] of [
    [from, fromH, fromM],
    [to, toH, toM],
  ] as const) {
    if (value === undefined) {
      return { ok: false, error: `\`${shown}\` has an impossible time ${h}:${m}: use 00:00 to 23:59 (24:00 only as the end)` };
    }
  }
  if (from === to) {
    return { ok: false, error: `\`${shown}\` starts and ends at the same time: use 00:00-24:00 for the whole day, or remove hours` };
  }
  return { ok: true, window: { from: from as number, to: to as number } };
}

function minutesOf(hours: string, minutes: string, isEnd: boolean): number | undefined {
  const h = Number(hours);
  const m = Number(minutes);
  if (m > 59) return undefined;
  if (h === 24 && m === 0 && isEnd) return DAY_MINUTES;
  if (h > 23) return undefined;
  return h * 60 + m;
}

/** The zone's canonical name (`europe/paris` → `Europe/Paris`), or undefined when Intl does not know it. */
export function canonicalTimeZone(zone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

export interface LocalTime {
  weekday: Weekday;
  /** Minutes since local midnight. */
  minutes: number;
}

// Building a formatter is the expensive part; one per zone is enough, and a
// formatter holds no state between calls.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', weekday: 'short', hour: '2-digit', minute: '2-digit' });
    formatters.set(zone, formatter);
  }
  return formatter;
}

// Formatting costs microseconds, and every request decided in the same minute
// reads the same local time (bench/rule-engine.ts): each zone keeps the local
// times of its last few minutes. Keyed by the UTC minute, which is also a local
// minute in every zone since 1972 (all offsets are whole minutes). A fixed
// table of numbers, so looking up costs no allocation and a stream of odd
// moments cannot grow it: 128 sets of two slots, chosen by a hash of the minute.
const SETS = 128;

/** A zone's formatter and its table of recent local times; one per zone, shared. */
export interface ZoneClock {
  readonly zone: string;
  readonly formatter: Intl.DateTimeFormat;
  /** The UTC minute each slot holds (NaN: empty). */
  readonly minutes: Float64Array;
  /** Its local time as a code: weekday index (Monday 0) × 1440 + minutes since local midnight. */
  readonly codes: Int32Array;
}

const clocks = new Map<string, ZoneClock>();

/** The clock of `zone`. Throws RangeError for an unknown zone. */
export function zoneClock(zone: string): ZoneClock {
  let clock = clocks.get(zone);
  if (clock === undefined) {
    const formatter = formatterFor(zone);
    clock = Object.freeze({ zone, formatter, minutes: new Float64Array(SETS * 2).fill(Number.NaN), codes: new Int32Array(SETS * 2) });
    clocks.set(zone, clock);
  }
  return clock;
}

/**
 * The local time of `now` on `clock` as a code: weekday index (WEEKDAYS, Monday 0)
 * × 1440 + minutes since local midnight. Throws RangeError for a moment Intl cannot
 * format (NaN, out of range).
 */
export function localCode(clock: ZoneClock, now: number): number {
  const minute = Math.floor(now / 60_000);
  const slot = (Math.imul(minute | 0, 0x9e3779b1) >>> 25) << 1;
  const { minutes, codes } = clock;
  if (minutes[slot] === minute) return codes[slot] as number;
  if (minutes[slot + 1] === minute) return codes[slot + 1] as number;
  const code = formatLocalCode(clock.formatter, minute * 60_000);
  // The newer of the two stays in the first slot; the older one is forgotten.
  minutes[slot + 1] = minutes[slot] as number;
  codes[slot + 1] = codes[slot] as number;
  minutes[slot] = minute;
  codes[slot] = code;
  return code;
}

/** Weekday and time of day of `now` (epoch ms) in `zone`. Throws RangeError for an unknown zone. */
export function localTime(now: number, zone: string): LocalTime {
  const code = localCode(zoneClock(zone), now);
  return Object.freeze({ weekday: WEEKDAYS[Math.floor(code / DAY_MINUTES)] as Weekday, minutes: code % DAY_MINUTES });
}

function formatLocalCode(formatter: Intl.DateTimeFormat, at: number): number {
  const parts = formatter.formatToParts(new Date(at));
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  const day = WEEKDAYS.indexOf(part('weekday').toLowerCase() as Weekday);
  // Fail closed on a weekday this code does not know: no window holds then.
  if (day < 0) throw new RangeError(`unexpected weekday ${part('weekday')}`);
  // Some ICU versions write midnight as 24 even with h23.
  const hour = Number(part('hour')) % 24;
  const minutes = hour * 60 + Number(part('minute'));
  if (!Number.isInteger(minutes) || minutes < 0 || minutes >= DAY_MINUTES) throw new RangeError(`unexpected local time ${part('hour')}:${part('minute')}`);
  return day * DAY_MINUTES + minutes;
}

export function inWindow(minutes: number, window: HoursWindow): boolean {
  if (window.from < window.to) return minutes >= window.from && minutes < window.to;
  return minutes >= window.from || minutes < window.to;
}

/**
 * Why `now` is outside the rule's hours and weekdays, as one sentence
 * ("Sat 14:05 Europe/Paris is outside mon–fri 09:00–18:00"), or undefined when it is inside.
 */
export function timeProblem(match: RuleMatch, now: number): string | undefined {
  if (match.hours === undefined && match.weekdays === undefined) return undefined;
  const zone = match.timezone ?? 'UTC';
  let local: LocalTime;
  try {
    local = localTime(now, zone);
  } catch {
    // Only a hand-built policy can get here (the parser checks zones); fail closed.
    return `time zone ${zone} is unknown, so the time window never holds`;
  }
  const dayOk = match.weekdays === undefined || match.weekdays.includes(local.weekday);
  const timeOk = match.hours === undefined || inWindow(local.minutes, match.hours);
  if (dayOk && timeOk) return undefined;
  const day = `${local.weekday.charAt(0).toUpperCase()}${local.weekday.slice(1)}`;
  return `${day} ${clock(local.minutes)} ${zone} is outside ${describeWindow(match)}`;
}

/** "mon–fri 09:00–18:00", "sat, sun", "22:00–06:00". */
export function describeWindow(match: Pick<RuleMatch, 'hours' | 'weekdays'>): string {
  const parts: string[] = [];
  if (match.weekdays !== undefined) parts.push(describeWeekdays(match.weekdays));
  if (match.hours !== undefined) parts.push(`${clock(match.hours.from)}–${clock(match.hours.to)}`);
  return parts.join(' ');
}

/** Consecutive days (Monday first) collapse into ranges: "mon–wed, fri", "sat, sun". */
export function describeWeekdays(days: readonly Weekday[]): string {
  const indexes = [...new Set(days.map((day) => WEEKDAYS.indexOf(day)))].filter((i) => i >= 0).sort((a, b) => a - b);
  const runs: number[][] = [];
  for (const index of indexes) {
    const run = runs.at(-1);
    if (run !== undefined && run.at(-1) === index - 1) run.push(index);
    else runs.push([index]);
  }
  return runs
    .flatMap((run) => {
      const [first, last] = [WEEKDAYS[run[0] as number] as Weekday, WEEKDAYS[run.at(-1) as number] as Weekday];
      if (run.length === 1) return [first];
      if (run.length === 2) return [first, last];
      return [`${first}–${last}`];
    })
    .join(', ');
}

/** Minutes since midnight as `HH:MM` (1440 as 24:00). */
export function clock(minutes: number): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}
