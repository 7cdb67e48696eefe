// What every benchmark gets from the runner, and what it declares about itself.

import type { SlackProcess } from './children.js';
import type { Row, Size } from './table.js';

export interface BenchContext {
  /** Tiny sizes: checks that the benchmark runs and gives sane numbers, judges nothing. */
  smoke: boolean;
  /** A fresh directory for this run's databases, policies and logs. */
  dir: string;
  /** The fake Slack Web API every app under test posts to. */
  slack: SlackProcess;
  /** Progress for the person watching (stderr); the table goes to stdout. */
  log(message: string): void;
}

export interface RowSpec {
  id: string;
  benchmark: string;
  target: string;
  /** The size the label names, when smoke mode runs a smaller one. */
  size?: Size;
}

export interface Benchmark {
  /** Short name for `--only`. */
  name: string;
  /** The rows it produces, so a benchmark that throws still shows up in the table, as an error. */
  rows: RowSpec[];
  run(ctx: BenchContext): Promise<Row[]>;
}

/** A row of `spec` with the measured figures filled in. */
export function rowOf(spec: RowSpec, fields: Omit<Row, 'id' | 'benchmark' | 'target' | 'size'>): Row {
  return { id: spec.id, benchmark: spec.benchmark, target: spec.target, ...(spec.size ? { size: spec.size } : {}), ...fields };
}
