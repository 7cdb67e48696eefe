// The machine a run came from, for the table's header and BENCHMARKS.md.

import { readFileSync } from 'node:fs';
import os from 'node:os';

export function describeMachine(): string[] {
  let cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // not Linux: os.cpus() said what it could
  }
  const load = os
    .loadavg()
    .map((value) => value.toFixed(1))
    .join(' / ');
  return [
    `date: ${new Date().toISOString()}`,
    `CPU: ${cpu}, ${os.availableParallelism()} cores available; RAM ${(os.totalmem() / 1024 ** 3).toFixed(1)} GB`,
    `kernel: ${os.type()} ${os.release()}; Node ${process.version}`,
    `load average at the end (1 / 5 / 15 min): ${load}`,
  ];
}
