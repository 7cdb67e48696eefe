// CPU time of this process's main thread, so a throughput figure means "on one
// core" even when other processes share the cores: time the thread spent
// waiting for a core does not count. Linux reads /proc (clock ticks, 10 ms);
// elsewhere it falls back to the whole process's CPU time.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** USER_HZ: the unit of the CPU times in /proc/<pid>/stat. */
export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Milliseconds of CPU the main thread has used (user + system). */
export function mainThreadCpuMs(): number {
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
      // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
    } catch {
      // fall through
    }
  }
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}
