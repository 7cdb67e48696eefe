// CI runs the benchmark suite only in its smoke mode (tiny sizes): it must still
// run end to end and print a row for every figure. No timing is asserted here;
// the figures themselves are for BENCHMARKS.md, measured with `npm run bench`.

import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const ROWS = ['1a', '1b', '2a', '2b', '3a', '3b', '4', '5', '5b', '5c', '5d', '6', '7a', '7b', '7c', '7d', '7e'];

function runSmoke(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--smoke'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('benchmark suite, smoke mode', () => {
  it('smoke_runsEveryBenchmark_andPrintsEveryRowWithoutAnError', async () => {
    const { code, stdout, stderr } = await runSmoke();
    expect(code, `bench --smoke failed:\n${stdout}\n${stderr.slice(-3000)}`).toBe(0);
    const rows = stdout.split('\n').filter((line) => /^\| \d+[a-z]? \|/.test(line));
    expect(rows.map((line) => line.split('|')[1]!.trim())).toEqual(ROWS);
    // A row is measured, or skipped with its reason (no root, no nft); never an error.
    for (const row of rows) expect(row).not.toMatch(/\*\*error\*\*/);
    // A label that names a size says the smaller one smoke mode ran.
    const label = (id: string) => rows.find((line) => line.startsWith(`| ${id} |`))!.split('|')[2]!;
    expect(label('3a')).toContain('1,000 staggered grants (smoke: 20)');
    expect(label('4')).toContain('10,000 grants (smoke: 50)');
    expect(label('7e')).toContain('10,000 grants (smoke: 100)');
    expect(label('5d')).toContain('10,000 VMs and 500 rules (smoke: 400 VMs and 40 rules)');
    expect(stdout).toMatch(/Node v\d+/);
  }, 240_000);
});
