// Runs `nft` behind a configurable command prefix (`sudo`, `ip netns exec gw`).
// Never through a shell: an argument array, the script on stdin.

import { spawn } from 'node:child_process';

export interface NftRunner {
  /** Runs nft with `args` (after the prefix), `input` on stdin; resolves with stdout or rejects with stderr. */
  run(args: string[], input?: string): Promise<string>;
}

/** nft (or the prefix) failed; `stderr` is what it printed, kept for callers that classify errors. */
export class NftCommandError extends Error {
  override readonly name = 'NftCommandError';
  constructor(
    message: string,
    readonly stderr: string,
    readonly exitCode: number | null,
  ) {
    super(message);
  }
}

const DEFAULT_TIMEOUT_MS = 15_000;
const MAX_STDERR_IN_MESSAGE = 2_000;

export function commandRunner(command: string[], options: { timeoutMs?: number } = {}): NftRunner {
  const [program, ...prefix] = command;
  if (!program) throw new Error('nftables command must name a program, e.g. ["nft"] or ["sudo", "nft"]');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    run: (args, input) =>
      new Promise<string>((resolve, reject) => {
        const shown = [...command, ...args].join(' ');
        const child = spawn(program, [...prefix, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        let settled = false;
        const finish = (error: Error | undefined, out?: string): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (error) reject(error);
          else resolve(out ?? '');
        };
        // A wedged nft (or a sudo prompt) must not hang every grant behind it.
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          finish(new NftCommandError(`${shown} did not finish within ${timeoutMs} ms`, Buffer.concat(stderr).toString(), null));
        }, timeoutMs);
        child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
        child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        child.on('error', (error) => finish(new NftCommandError(`could not run ${shown}: ${error.message}`, '', null)));
        child.on('close', (code) => {
          const err = Buffer.concat(stderr).toString().trim();
          if (code === 0) return finish(undefined, Buffer.concat(stdout).toString());
          finish(new NftCommandError(`${shown} failed (exit ${code}): ${err.slice(0, MAX_STDERR_IN_MESSAGE) || 'no output'}`, err, code));
        });
        // nft may exit before reading stdin (bad prefix); the close handler reports that.
        child.stdin.on('error', () => undefined);
        child.stdin.end(input ?? '');
      }),
  };
}

// Anchored on nft's own `Error:` prefix: `ip netns exec` failing to find nft
// also says "No such file or directory", and that must not read as "no table".
// nft prints `Error: …` at the start of a line, or after the `/dev/stdin:1:2-3: ` position.
const MISSING = /(^|: )Error: (Could not process rule: )?No such file or directory/m;
const EXISTS = /(^|: )Error: (Could not process rule: )?File exists/m;

/** nft's wording for an element or table that is not there (ENOENT). */
export function isMissing(error: unknown): boolean {
  return error instanceof NftCommandError && MISSING.test(error.stderr);
}

/** A race with the kernel: an element expired or appeared between our read and our write. */
export function isRace(error: unknown): boolean {
  return error instanceof NftCommandError && (MISSING.test(error.stderr) || EXISTS.test(error.stderr));
}
