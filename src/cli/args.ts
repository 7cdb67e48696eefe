// Argument parsing for `jit` commands: node:util's parseArgs in strict mode,
// with its errors turned into one usage line.

import { parseArgs } from 'node:util';
import { UsageError } from './io.js';

export interface OptionSpec {
  [name: string]: { type: 'string' | 'boolean'; short?: string };
}

export interface Args {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
  json: boolean;
}

/** Every command takes `--json`. */
export function readArgs(argv: readonly string[], options: OptionSpec, usage: string): Args {
  try {
    const { positionals, values } = parseArgs({ args: [...argv], options: { ...options, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
    return { positionals, values: values as Args['values'], json: values.json === true };
  } catch (error) {
    const first = (error instanceof Error ? error.message : String(error)).split('. ')[0] ?? '';
    throw new UsageError(`${first.replace(/\.$/, '')}; usage: ${usage}`);
  }
}

export function stringOption(args: Args, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

const USER_ID = /^[UW][A-Z0-9]{2,}$/;

/**
 * Who is acting: `--as U…` or JIT_CLI_USER. Always explicit: the audit log
 * records this user as the actor, exactly as if they had clicked in Slack.
 */
export function actorOf(args: Args, env: NodeJS.ProcessEnv, usage: string): string {
  const given = stringOption(args, 'as') ?? env.JIT_CLI_USER?.trim();
  if (!given) throw new UsageError(`say who is acting with --as <Slack member ID> (or set JIT_CLI_USER); usage: ${usage}`);
  if (!USER_ID.test(given)) throw new UsageError(`--as ${given.slice(0, 40)} is not a Slack member ID such as U0123ABCD (profile → ⋮ → Copy member ID)`);
  return given;
}

/** Exactly `count` positionals, or a usage error. */
export function exactly(args: Args, count: number, usage: string): string[] {
  if (args.positionals.length === count) return args.positionals;
  const wanted = count === 0 ? 'no arguments' : count === 1 ? 'one argument' : `${count} arguments`;
  throw new UsageError(`this command takes ${wanted}, got ${args.positionals.length}; usage: ${usage}`);
}
