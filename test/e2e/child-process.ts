// The real entry point (src/main.ts) as a child process, for the tests of what
// an operator sees: its stderr and stdout as one text, its exit code.

import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export interface BotProcess {
  child: ChildProcess;
  /** Everything it printed so far, stderr and stdout together. */
  output(): string;
  exit: Promise<number | null>;
}

/** A good environment for a bot on loopback, any free port, against `apiUrl`; `undefined` in overrides unsets a variable. */
export function botEnv(dir: string, apiUrl: string, overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const base: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: 'process-signing-secret-42',
    SLACK_API_URL: apiUrl,
    PORT: '0',
    JIT_LISTEN_HOST: '127.0.0.1',
    JIT_POLICY: join(dir, 'policy.yaml'),
    JIT_DB: join(dir, 'jit.db'),
    JIT_AUDIT_CHANNEL: 'CAUDIT',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(base).filter(([, value]) => value !== undefined)) as NodeJS.ProcessEnv;
}

export function startBotProcess(env: NodeJS.ProcessEnv): BotProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  return { child, output: () => output, exit };
}

export async function waitForLog(read: () => string, pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = read().match(pattern);
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`log never matched ${pattern}:\n${read()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A stack frame (`at fn (file.ts:12:3)`): what an operator must never be shown for a bad set-up. */
export const STACK_FRAME = /\bat .*\.(ts|js):\d+/;
