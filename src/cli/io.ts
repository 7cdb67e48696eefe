// What every `jit` command shares: where output goes, the exit codes (a
// contract: README "CLI"), and how a failure becomes one line on stderr.

import type { Names } from './names.js';

export const EXIT = {
  /** Done. */
  ok: 0,
  /** Ran, and the answer is no: refused, not found, denied, a broken audit chain, an invalid policy. */
  failed: 1,
  /** Could not run: bad arguments, a bad environment variable, an unreadable policy or database. */
  usage: 2,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface CliIo {
  env: NodeJS.ProcessEnv;
  /** People and groups by name in human output; runJit sets it from SLACK_BOT_TOKEN when not given. */
  names?: Names;
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Wrong arguments: exit 2 with the usage of the command. */
export class UsageError extends Error {}

/** The command cannot run here (environment, policy file, database): exit 2. */
export class SetupError extends Error {}

/** A result for scripts: one JSON document on stdout. */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** One line on stderr, prefixed like the bot's own startup errors. */
export function printError(io: CliIo, message: string): void {
  io.stderr(`jit: ${oneLine(message)}\n`);
}

/** Control characters (a newline in a justification, a terminal escape) never reach the terminal raw. */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
}
