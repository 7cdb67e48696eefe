// Durations as people type them (`90m`, `1h30m`, `2 hours`) and as Azure writes
// them (ISO 8601 `PT3H`). Whole seconds only; calendar units are refused because
// a month or a year has no fixed length and an access grant must.

export type DurationResult = { ok: true; seconds: number } | { ok: false; error: string };

/** Longest grant anyone can ask for: a year, counting a leap day. */
export const MAX_DURATION_SECONDS = 366 * 86_400;

const MAX_INPUT = 32;
const HINT = 'use 90m, 2h, 1d or ISO 8601 such as PT3H';
const DAY = 86_400;
const HOUR = 3_600;
const MINUTE = 60;

const NUM = String.raw`(\d+(?:[.,]\d+)?)`;
// Years and months are matched only so that they can be refused with a reason.
const ISO = new RegExp(`^p(?:${NUM}y)?(?:${NUM}m)?(?:${NUM}w)?(?:${NUM}d)?(?:t(?=\\d)(?:${NUM}h)?(?:${NUM}m)?(?:${NUM}s)?)?$`);
const SHORT_TOKEN = /\s*(\d+(?:[.,]\d+)?)\s*([a-z]+)\s*/y;

type Unit = 'd' | 'h' | 'm' | 's' | 'week' | 'calendar';
const SHORT_UNITS: Record<string, Unit> = {
  d: 'd',
  day: 'd',
  days: 'd',
  h: 'h',
  hr: 'h',
  hrs: 'h',
  hour: 'h',
  hours: 'h',
  m: 'm',
  min: 'm',
  mins: 'm',
  minute: 'm',
  minutes: 'm',
  s: 's',
  sec: 's',
  secs: 's',
  second: 's',
  seconds: 's',
  w: 'week',
  wk: 'week',
  wks: 'week',
  week: 'week',
  weeks: 'week',
  mo: 'calendar',
  month: 'calendar',
  months: 'calendar',
  y: 'calendar',
  yr: 'calendar',
  yrs: 'calendar',
  year: 'calendar',
  years: 'calendar',
};
const UNIT_SECONDS: Record<'d' | 'h' | 'm' | 's', number> = { d: DAY, h: HOUR, m: MINUTE, s: 1 };

/** Why a piece of text is not a duration, or how many seconds it is (possibly fractional). */
type Reading = { seconds: number; fraction: boolean } | { why: string };

export function parseDuration(text: string): DurationResult {
  const given = text.trim();
  if (given === '') return { ok: false, error: `the duration is empty: ${HINT}` };
  const shown = given.length > MAX_INPUT ? `${given.slice(0, MAX_INPUT)}…` : given;
  const fail = (why: string): DurationResult => ({ ok: false, error: `\`${shown}\` ${why}` });
  if (given.length > MAX_INPUT) return fail(`is too long to be a duration: ${HINT}`);

  const lower = given.toLowerCase();
  if (/-\s*\d/.test(lower)) return fail('is negative: ask for a positive duration such as 2h');
  const iso = lower.startsWith('p');
  if (/^\d+$/.test(lower)) return fail(`has no unit: write ${lower}m for minutes or ${lower}h for hours`);

  const reading = iso ? readIso(lower) : readShort(lower);
  if ('why' in reading) return fail(reading.why);
  if (reading.fraction) {
    const whole = Math.round(reading.seconds);
    const instead = whole === reading.seconds && whole > 0 ? (iso ? toIsoDuration(whole) : formatDuration(whole).replace(/ /g, '')) : iso ? 'PT1H30M' : '1h30m';
    return fail(`has a fraction: use whole units such as ${instead}`);
  }
  if (reading.seconds === 0) return fail('is zero: ask for a duration such as 30m or 2h');
  if (reading.seconds > MAX_DURATION_SECONDS) return fail(`is longer than 366 days: ask for ${iso ? 'P366D' : '366d'} or less`);
  return { ok: true, seconds: reading.seconds };
}

function readIso(lower: string): Reading {
  const match = ISO.exec(lower);
  if (!match) return { why: `is not a duration: ${HINT}` };
  const [, years, months, weeks, days, hours, minutes, seconds] = match;
  if (years !== undefined || months !== undefined) {
    return { why: 'counts years or months, whose length varies: use days instead, such as P30D' };
  }
  const parts = [days, hours, minutes, seconds];
  if (weeks !== undefined && parts.some((part) => part !== undefined)) {
    const total = toNumber(weeks) * 7 * DAY + sum(parts);
    return { why: `mixes weeks with other units, which ISO 8601 does not allow: write ${Number.isInteger(total) ? toIsoDuration(total) : 'days instead'}` };
  }
  if (weeks === undefined && parts.every((part) => part === undefined)) return { why: `is not a duration: ${HINT}` };
  const all = [weeks, ...parts];
  return {
    seconds: (weeks === undefined ? 0 : toNumber(weeks) * 7 * DAY) + sum(parts),
    fraction: all.some((part) => part !== undefined && /[.,]/.test(part)),
  };
}

function readShort(lower: string): Reading {
  const seen = new Set<Unit>();
  let seconds = 0;
  let fraction = false;
  SHORT_TOKEN.lastIndex = 0;
  while (SHORT_TOKEN.lastIndex < lower.length) {
    const token = SHORT_TOKEN.exec(lower);
    if (!token) return { why: `is not a duration: ${HINT}` };
    const [, amount = '', word = ''] = token;
    const unit = SHORT_UNITS[word];
    if (unit === undefined || seen.has(unit)) return { why: `is not a duration: ${HINT}` };
    if (unit === 'calendar') return { why: 'counts years or months, whose length varies: use days instead, such as 30d' };
    if (unit === 'week') return { why: `counts weeks: use days instead, such as ${/[.,]/.test(amount) ? 14 : toNumber(amount) * 7}d` };
    seen.add(unit);
    seconds += toNumber(amount) * UNIT_SECONDS[unit];
    fraction ||= /[.,]/.test(amount);
  }
  return { seconds, fraction };
}

const ISO_UNITS = [DAY, HOUR, MINUTE, 1] as const;

function sum(parts: (string | undefined)[]): number {
  return parts.reduce((total, part, index) => total + (part === undefined ? 0 : toNumber(part) * (ISO_UNITS[index] ?? 0)), 0);
}

function toNumber(text: string): number {
  return Number(text.replace(',', '.'));
}

/** Whole seconds into days, hours, minutes, seconds; negative or fractional input is clamped, never thrown on. */
function split(seconds: number): { d: number; h: number; m: number; s: number } {
  let rest = Math.max(0, Math.floor(seconds));
  const d = Math.floor(rest / DAY);
  rest -= d * DAY;
  const h = Math.floor(rest / HOUR);
  rest -= h * HOUR;
  const m = Math.floor(rest / MINUTE);
  return { d, h, m, s: rest - m * MINUTE };
}

/** For people: `1h 30m`, `3h`, `45s`, `1d 2h`. */
export function formatDuration(seconds: number): string {
  const { d, h, m, s } = split(seconds);
  const parts = [d && `${d}d`, h && `${h}h`, m && `${m}m`, s && `${s}s`].filter(Boolean);
  return parts.length === 0 ? '0s' : parts.join(' ');
}

/**
 * For a time left (`1h 4m left`): whole minutes above a minute, so a message
 * read a few seconds later is not already wrong; seconds only under a minute.
 */
export function formatCountdown(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  return formatDuration(whole < MINUTE ? whole : whole - (whole % MINUTE));
}

/** For Azure: `PT1H30M`, `P1DT2H`, `P1D`. */
export function toIsoDuration(seconds: number): string {
  const { d, h, m, s } = split(seconds);
  const time = [h && `${h}H`, m && `${m}M`, s && `${s}S`].filter(Boolean).join('');
  if (d === 0 && time === '') return 'PT0S';
  return `P${d ? `${d}D` : ''}${time ? `T${time}` : ''}`;
}

/** `2026-11-28 11:00:05 UTC`: for error messages and stored reasons, which are plain sentences shown as they are. */
export function formatUtc(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
