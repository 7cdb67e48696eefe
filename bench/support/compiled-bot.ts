// The bot as production runs it: compiled JavaScript started with plain node
// (`npm start` runs `node dist/main.js`), in a process of its own, so its memory
// is the production process's and not tsx's. The build is dist/ when it is
// newer than the source, else a fresh `tsc -p tsconfig.build.json` into a
// directory of the run (inside node_modules/.cache, so the build resolves the
// repository's packages), as test/e2e/compiled.test.ts does.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { compiledBuild } from '../../test/support/compiled-build.js';
import { freePort } from '../../test/support/pg-server.js';
import { ROOT } from './children.js';
import { sleep } from './stats.js';

export interface CompiledBot {
  pid: number;
  port: number;
  /** SIGTERM (the bot's clean shutdown), SIGKILL after 10 s (3 min when profiled). */
  stop(): Promise<void>;
}

let build: Promise<{ dir: string; own: boolean }> | undefined;
const live = new Set<ChildProcess>();
// The suite's exit path, normal or not (run.ts exits on SIGINT): no bot is left behind.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** The compiled bot's directory (built once per run); remove it with `removeBuild` at the end. */
export function compiledBot(): Promise<{ dir: string; own: boolean }> {
  build ??= Promise.resolve().then(() => compiledBuild('jit-bench-compiled-'));
  return build;
}

/** Removes a build this run made; kills any compiled bot still running. */
export async function removeBuild(): Promise<void> {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
  const made = await build?.catch(() => undefined);
  if (made?.own) rmSync(made.dir, { recursive: true, force: true });
  build = undefined;
}

/** Starts `node <build>/main.js` (with `--cpu-prof` into `profileDir` when given) with `env` (HTTP mode on a free loopback port); resolves once /healthz answers. */
export async function startCompiledBot(
  env: Record<string, string>,
  logFile: string,
  options: { profileDir?: string; timeoutMs?: number } = {},
): Promise<CompiledBot> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const { dir } = await compiledBot();
  const port = await freePort();
  const log = openSync(logFile, 'a');
  const execArgv = [...startFlags(), ...(options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [])];
  const child = spawn(process.execPath, [...execArgv, join(dir, 'main.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  live.add(child);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  void exited.then(() => live.delete(child));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the compiled bot exited (${child.exitCode ?? child.signalCode}); log: ${logFile}\n${tail(logFile)}`);
    if (await answers(`http://127.0.0.1:${port}/healthz`)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the compiled bot did not answer /healthz within ${timeoutMs} ms; log: ${logFile}\n${tail(logFile)}`);
    }
    await sleep(20);
  }
  return {
    pid: child.pid!,
    port,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      // A profiled bot writes its profile only on a clean exit, after its outbox drains: give it time.
      const timer = setTimeout(() => child.kill('SIGKILL'), options.profileDir ? 180_000 : 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The node flags `npm start` runs the bot with (package.json's start script, the
 * one place they are set), but `--env-file…`: the benchmark gives the bot its
 * whole environment itself.
 */
export function startFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = scripts.start.split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'dist/main.js')
    throw new Error(`package.json's start script is not \`node <flags> dist/main.js\`: ${scripts.start}`);
  return words.slice(1, -1).filter((flag) => !flag.startsWith('--env-file'));
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.status > 0;
  } catch {
    return false;
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}
