// Runs the real `jit` command (bin/jit.js, as `npx jit` does) as a subprocess
// from a temporary directory, against a temporary policy file and database
// and the memory firewall. Nothing from the developer's environment leaks in.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite-store.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin', 'jit.js');
/** Commands that load the firewall SDKs take a few seconds each. */
export const SLOW = 90_000;

export const CLI_POLICY = `
approvers: [UAPPROVER1]
readers: [UREADER]
virtualMachines:
  - id: web-1
    address: 10.0.0.4
    ports:
      - { number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H }
  - id: db-1
    address: 10.0.0.5
    ports:
      - { number: 5432, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT2H }
rules:
  - name: no-db-from-cli-tests
    match: { vms: [db-1] }
    effect: deny
    reason: Databases are off limits here.
`;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliWorld {
  dir: string;
  db: string;
  policy: string;
  run(args: string[], env?: Record<string, string | undefined>): Promise<CliRun>;
  cleanup(): void;
}

export function runJit(args: string[], options: { cwd: string; env: Record<string, string | undefined>; command?: string[] }): Promise<CliRun> {
  const [file, ...prefix] = options.command ?? [process.execPath, BIN];
  const env = Object.fromEntries(Object.entries({ PATH: process.env.PATH, ...options.env }).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
  return new Promise((resolveRun, reject) => {
    const child = spawn(file!, [...prefix, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

/**
 * A directory with a policy file and a database, as the bot leaves them after
 * its first start. `db` may name an existing database instead (a workflow harness's).
 */
export function cliWorld(options: { policy?: string; db?: string } = {}): CliWorld {
  const dir = mkdtempSync(join(tmpdir(), 'jit-cli-'));
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, options.policy ?? CLI_POLICY);
  const db = options.db ?? join(dir, 'jit.db');
  if (!options.db) SqliteStore.open(db).close();
  return {
    dir,
    db,
    policy,
    run: (args, env = {}) => runJit(args, { cwd: dir, env: { JIT_DB: db, JIT_POLICY: policy, ...env } }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The request ID a human reply mentions (`#k7m2qp`). */
export function idIn(text: string): string {
  const match = /#([23456789a-hjkmnp-z]{6})\b/.exec(text);
  if (!match) throw new Error(`no request ID in: ${text}`);
  return match[1]!;
}

/** stderr must be exactly one line starting `jit: `. */
export function oneErrorLine(run: CliRun): string {
  const lines = run.stderr.split('\n').filter(Boolean);
  if (lines.length !== 1 || !lines[0]!.startsWith('jit: ')) throw new Error(`expected one error line on stderr, got:\n${run.stderr}`);
  return lines[0]!;
}
