// The one table the suite prints: a row per figure, its same-run reference
// beside it, the target and whether it was met. Markdown, so BENCHMARKS.md can
// take it as printed.

export type Verdict = 'met' | 'missed' | 'info' | 'skipped' | 'error';

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
    lines.push(`| ${[row.id, row.benchmark, row.measured, row.reference, row.target, `${verdict}${note}`].map(cell).join(' | ')} |`);
  }
  return lines.join('\n');
}
