// The benchmark suite's one command:
//   npm run bench                 full sizes (several minutes), prints the table
//   npm run bench -- --smoke      tiny sizes (seconds): checks every benchmark still works
//   npm run bench -- --only ack,rules
//   npm run bench -- --only replicas   several replicas on a private PostgreSQL server (root, PostgreSQL 15)
//   npm run bench -- --profile    the apps in child processes write CPU profiles (kept with the run's files)
//   npm run bench -- --dir /dev/shm   databases and logs on another filesystem (default: the OS temp dir)
// Exits non-zero when a benchmark throws. Progress goes to stderr, the table to stdout.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ackLatency } from './ack-latency.js';
import { approveToOpen } from './approve-to-open.js';
import { expiryPrecision } from './expiry-precision.js';
import { massExpiry } from './mass-expiry.js';
import { replicas } from './replicas.js';
import { ruleEngine } from './rule-engine.js';
import { storeThroughput } from './store-throughput.js';
import { killChildren, profileChildren, startSlackProcess } from './support/children.js';
import { removeBuild } from './support/compiled-bot.js';
import type { Benchmark, BenchContext } from './support/context.js';
import { describeMachine } from './support/machine.js';
import { removeNamespacesNow } from './support/netns.js';
import { stopPostgresNow } from './support/postgres.js';
import { renderTable, type Row } from './support/table.js';

export const BENCHMARKS: Benchmark[] = [ackLatency, approveToOpen, expiryPrecision, massExpiry, ruleEngine, storeThroughput, replicas];

function option(name: string): string | undefined {
  const args = process.argv.slice(2);
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : args.find((arg) => arg.startsWith(`${name}=`))?.slice(name.length + 1);
}

const smoke = process.argv.includes('--smoke');
const profile = process.argv.includes('--profile');
const keep = profile || process.argv.includes('--keep');
const only = option('--only')?.split(',');
const selected = only ? BENCHMARKS.filter((b) => only.includes(b.name)) : BENCHMARKS;
if (selected.length === 0) {
  process.stderr.write(`--only matches no benchmark; names: ${BENCHMARKS.map((b) => b.name).join(', ')}\n`);
  process.exit(2);
}

const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const dir = mkdtempSync(join(option('--dir') ?? tmpdir(), 'jit-bench-'));
if (profile) profileChildren(join(dir, 'profiles'));

function cleanUp(): void {
  killChildren();
  removeNamespacesNow();
  stopPostgresNow();
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    cleanUp();
    process.stderr.write(`bench: ${signal}, stopped; files kept in ${dir}\n`);
    process.exit(130);
  });
}

const rows: Row[] = [];
let failed = false;
const started = Date.now();
try {
  const slack = await startSlackProcess(join(dir, 'slack.log'));
  const ctx: BenchContext = { smoke, dir, slack, log };
  for (const benchmark of selected) {
    await slack.reset();
    const at = Date.now();
    try {
      const produced = await benchmark.run(ctx);
      rows.push(...produced);
      // A benchmark of several parts reports a failed part as error rows and measures the rest.
      if (produced.some((row) => row.verdict === 'error')) failed = true;
      log(`${benchmark.name}: done in ${((Date.now() - at) / 1000).toFixed(1)} s`);
    } catch (error) {
      failed = true;
      log(`${benchmark.name} FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 200);
      rows.push(...benchmark.rows.map((spec) => ({ ...spec, measured: '—', reference: '—', verdict: 'error' as const, note: message })));
    }
  }
} finally {
  cleanUp();
  // The compiled bot a benchmark built (ack, replicas) is removed; mass expiry removes its own.
  await removeBuild();
}

const mode = smoke ? 'smoke (tiny sizes: shows the benchmarks work, judges no target)' : 'full';
process.stdout.write(
  [`jit-access-bot benchmarks, ${mode}, ${((Date.now() - started) / 1000).toFixed(0)} s`, ...describeMachine(), '', renderTable(rows, { smoke }), ''].join(
    '\n',
  ),
);
if (keep || failed) log(`databases, policies and logs kept in ${dir}`);
else rmSync(dir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
