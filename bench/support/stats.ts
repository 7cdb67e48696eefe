// Order statistics and number formatting shared by every benchmark. Percentiles
// are nearest-rank on the sorted sample: p99 of 2,000 samples is the 1,980th,
// a value that was really observed, never an interpolation.

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarise(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN, mean: total / sorted.length };
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** Milliseconds with a precision that suits their size: 0.42 ms, 12.3 ms, 1.24 s, 41 s. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value >= 10_000) return `${(value / 1000).toFixed(0)} s`;
  if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

/** 212,345 */
export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

export function ratio(value: number): string {
  return `${value.toFixed(2)}×`;
}

/** Throws when a figure a benchmark produced cannot be right (smoke mode relies on this). */
export function requireSane(what: string, value: number, { min = 0, max = Number.POSITIVE_INFINITY }: { min?: number; max?: number } = {}): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${what} is ${value}, outside the sane range [${min}, ${max}]`);
  }
  return value;
}

/** Epoch milliseconds with sub-millisecond precision, comparable with the bot's `Date.now()` times. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

export const sleep = (milliseconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Polls `check` every `everyMs` until it holds; throws with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms(timeoutMs)} waiting for ${what}`);
    await sleep(everyMs);
  }
}
