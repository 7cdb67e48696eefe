// The one table the suite prints: a row per figure, its same-run reference
// beside it, the target and whether it was met. Markdown, so BENCHMARKS.md can
// take it as printed.

export type Verdict = 'met' | 'missed' | 'info' | 'skipped' | 'error';

/** How many of something a benchmark runs: the full size its label names, and the smaller one of smoke mode. */
export interface Size {
  full: number;
  smoke: number;
  /** What is counted, as the label says it after the number: `staggered grants`. */
  what: string;
}

/** `1,000 staggered grants`: the full size as a label names it. */
export function sizeText(size: Size): string {
  return `${size.full.toLocaleString('en-US')} ${size.what}`;
}

export function sizeIn(size: Size, smoke: boolean): number {
  return smoke ? size.smoke : size.full;
}

export interface Row {
  /** Stable row id (`1`, `2a` …); the smoke test checks every one is present. */
  id: string;
  benchmark: string;
  measured: string;
  /** What the figure is compared with, measured in the same run (or `—`). */
  reference: string;
  target: string;
  verdict: Verdict;
  /** Why a row was skipped or failed, or what limits it. */
  note?: string;
  /** The size the label names: a smoke run's label says the smaller one it ran. */
  size?: Size;
}

const VERDICT: Record<Verdict, string> = { met: 'met', missed: '**missed**', info: '—', skipped: 'skipped', error: '**error**' };

export function verdictOf(met: boolean): Verdict {
  return met ? 'met' : 'missed';
}

export function renderTable(rows: readonly Row[], { smoke }: { smoke: boolean }): string {
  const header = ['#', 'benchmark', 'measured', 'reference (same run)', 'target', 'verdict'];
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) {
    // Tiny smoke sizes say nothing about targets: they only show the benchmark works.
    const verdict = smoke && (row.verdict === 'met' || row.verdict === 'missed') ? 'smoke' : VERDICT[row.verdict];
    const note = row.note ? ` (${row.note})` : '';
    lines.push(`| ${[row.id, labelOf(row, smoke), row.measured, row.reference, row.target, `${verdict}${note}`].map(cell).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** In smoke mode a label that names a size says the one that ran: `10,000 grants (smoke: 50)`. */
export function labelOf(row: Pick<Row, 'benchmark' | 'size'>, smoke: boolean): string {
  if (!smoke || row.size === undefined) return row.benchmark;
  const full = sizeText(row.size);
  const ran = `(smoke: ${row.size.smoke.toLocaleString('en-US')})`;
  return row.benchmark.includes(full)
    ? row.benchmark.replace(full, `${full} ${ran}`)
    : `${row.benchmark} (smoke: ${row.size.smoke.toLocaleString('en-US')} ${row.size.what})`;
}
