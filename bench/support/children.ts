// Child processes of the suite (apps under test, fake Slack): forked with tsx,
// their output sent to a log file, every one killed when the suite ends however
// it ends. IPC replies are awaited with a timeout, so a wedged child fails the
// benchmark instead of hanging it.

import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AppMode, FromChild, ToChild } from './app-process.js';
import { clockTicks } from './cpu.js';
import type { SlackFromChild, SlackToChild } from './slack-process.js';

export const ROOT = resolve(import.meta.dirname, '../..');

const live = new Set<ChildProcess>();

/** Kills every child still running (the suite's exit path, normal or not). */
export function killChildren(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

interface Channel<In, Out> {
  child: ChildProcess;
  send(message: In): void;
  /** The next message `match` accepts (messages that arrived before are not kept). */
  next(match: (message: Out) => boolean, what: string, timeoutMs?: number): Promise<Out>;
}

let profileDir: string | undefined;

/** Children forked from now on write a V8 CPU profile (`--cpu-prof`) into `dir` when they exit. */
export function profileChildren(dir: string): void {
  profileDir = dir;
}

/** How a child runs: TypeScript through tsx (the default), or `script` is JavaScript for plain node (`tsx: false`). */
interface ForkOptions {
  env?: NodeJS.ProcessEnv;
  tsx?: boolean;
  /** Node flags for the child (the bot's, as `npm start` gives them). */
  flags?: string[];
}

function forkTs<In, Out>(script: string, logFile: string, options: ForkOptions = {}): Channel<In, Out> {
  const { env = process.env, tsx = true, flags = [] } = options;
  const log = openSync(logFile, 'a');
  const execArgv = [...flags, ...(tsx ? ['--import', 'tsx'] : []), ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
  const child = fork(resolve(ROOT, script), [], { cwd: ROOT, env, execArgv, stdio: ['ignore', log, log, 'ipc'] });
  closeSync(log);
  live.add(child);
  child.on('exit', () => live.delete(child));
  // A message to a child that just died fails with EPIPE; its exit is what gets reported.
  child.on('error', () => undefined);
  return {
    child,
    send: (message) => child.send(message as object),
    next: (match, what, timeoutMs = 60_000) =>
      new Promise<Out>((resolvePromise, reject) => {
        const done = () => {
          clearTimeout(timer);
          child.off('message', onMessage);
          child.off('exit', onExit);
        };
        const onMessage = (message: Out) => {
          if ((message as { type?: string }).type === 'failed') {
            done();
            reject(new Error(`${script} failed while waiting for ${what}: ${(message as { error?: string }).error ?? ''} (log: ${logFile})`));
          } else if (match(message)) {
            done();
            resolvePromise(message);
          }
        };
        const onExit = (code: number | null) => {
          done();
          reject(new Error(`${script} exited (${code}) while waiting for ${what}; log: ${logFile}\n${tail(logFile)}`));
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${script}: no ${what} within ${timeoutMs} ms; log: ${logFile}\n${tail(logFile)}`));
        }, timeoutMs);
        child.on('message', onMessage);
        child.on('exit', onExit);
      }),
  };
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

export interface AppProcess {
  pid: number;
  /** Starts the app; resolves with its HTTP port. */
  start(mode: AppMode, env: Record<string, string>, timeoutMs?: number): Promise<number>;
  /** Resolves once everything the app was asked so far is done (the bot's outbox delivered). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Forks an app process and waits until its modules are loaded; `start` is cheap
 * after that. By default app-process.ts through tsx; `options.script` names
 * another build of it (compiled-app.ts: JavaScript for plain node, as production runs).
 */
export async function loadApp(logFile: string, options: ForkOptions & { script?: string } = {}): Promise<AppProcess> {
  const channel = forkTs<ToChild, FromChild>(options.script ?? 'bench/support/app-process.ts', logFile, options);
  let seq = 0;
  await channel.next((m) => m.type === 'loaded', 'module load');
  return {
    pid: channel.child.pid!,
    async start(mode, env, timeoutMs = 120_000) {
      const ready = channel.next((m) => m.type === 'ready', `${mode} start`, timeoutMs);
      channel.send({ type: 'start', mode, env });
      return ((await ready) as { port: number }).port;
    },
    async idle() {
      const mine = ++seq;
      const done = channel.next((m) => m.type === 'idle' && m.seq === mine, 'idle', 180_000);
      channel.send({ type: 'idle', seq: mine });
      await done;
    },
    async stop() {
      if (channel.child.exitCode !== null || channel.child.signalCode !== null) return;
      const exited = new Promise((done) => channel.child.once('exit', done));
      if (channel.child.connected) channel.send({ type: 'stop' });
      else channel.child.kill('SIGKILL');
      const timer = setTimeout(() => channel.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface SlackProcess {
  url: string;
  apiUrl: string;
  responseUrl(id: string): string;
  stats(): Promise<{ calls: number; rejected: string[] }>;
  /** Forgets recorded calls (between benchmarks, to keep its memory flat). */
  reset(): Promise<void>;
  stop(): void;
}

export async function startSlackProcess(logFile: string): Promise<SlackProcess> {
  const channel = forkTs<SlackToChild, SlackFromChild>('bench/support/slack-process.ts', logFile);
  const ready = (await channel.next((m) => m.type === 'ready', 'fake Slack start')) as { url: string; apiUrl: string };
  let seq = 0;
  return {
    url: ready.url,
    apiUrl: ready.apiUrl,
    responseUrl: (id) => `${ready.url}/response/${encodeURIComponent(id)}`,
    async stats() {
      const mine = ++seq;
      const reply = channel.next((m) => m.type === 'stats' && m.seq === mine, 'stats');
      channel.send({ type: 'stats', seq: mine });
      const { calls, rejected } = (await reply) as { calls: number; rejected: string[] };
      return { calls, rejected };
    },
    async reset() {
      const mine = ++seq;
      const reply = channel.next((m) => m.type === 'reset' && m.seq === mine, 'reset');
      channel.send({ type: 'reset', seq: mine });
      await reply;
    },
    stop: () => channel.child.kill('SIGKILL'),
  };
}

/** CPU time (user + system, all threads) a process has used so far, in ms, from /proc/<pid>/stat (Linux). */
export function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15, in clock ticks.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
  } catch {
    return undefined;
  }
}

/** Peak and current resident set of a process, from /proc/<pid>/status (Linux), in bytes. */
export function memoryOf(pid: number): { peak: number; current: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    return { peak: field('VmHWM'), current: field('VmRSS') };
  } catch {
    return undefined;
  }
}
