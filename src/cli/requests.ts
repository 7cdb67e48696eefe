// `jit request | approve | deny | revoke | list`: the Slack commands' use cases,
// acted as the user named by --as. Human tables by default, --json for scripts.

import { accessSync, constants, statSync } from 'node:fs';
import { formatDuration } from '../domain/duration.js';
import { normaliseRequestId } from '../domain/ids.js';
import type { AccessRequest, RequestState } from '../domain/types.js';
import { orList, plural } from '../domain/wording.js';
import type { DecideResult } from '../workflow/decide-request.js';
import type { RequestStore } from '../ports/store.js';
import { actorOf, exactly, readArgs, stringOption, type Args } from './args.js';
import type { CliCore } from './core.js';
import { EXIT, printError, printJson, SetupError, UsageError, type CliIo, type ExitCode } from './io.js';
import { IDS, type Names } from './names.js';
import { table } from './table.js';
import { ALL_STATES, LIVE_STATES } from '../domain/lifecycle.js';
import { isAzurePolicyUrl, parseAzurePolicyUrl } from '../config/policy-file.js';

export const USAGE = {
  request: 'jit request <vm>[,<vm>…] <ports> <source> <duration> [justification…] --as <user>',
  approve: 'jit approve <id> --as <user>',
  deny: 'jit deny <id> [reason…] --as <user>',
  revoke: 'jit revoke <id> --as <user>',
  list: 'jit list [--all] [--state <state>[,<state>…]]',
};

/** A request that ended this way is the "no" of exit code 1. */
const REFUSED: RequestState[] = ['denied', 'failed'];

const time = (at: number | undefined): string => (at === undefined ? '' : new Date(at).toISOString().slice(0, 16).replace('T', ' '));

export function requestTable(requests: readonly AccessRequest[], names: Names = IDS): string {
  return table(
    ['ID', 'STATE', 'REQUESTER', 'VM', 'PORTS', 'SOURCE', 'DURATION', 'CREATED (UTC)', 'ENDS (UTC)'],
    requests.map((r) => [
      r.id,
      r.state,
      names.of(r.requester),
      r.vm,
      r.ports.map((p) => `${p.number}/${p.protocol}`).join(','),
      r.source,
      formatDuration(r.durationSeconds),
      time(r.createdAt),
      time(r.endAt),
    ]),
  );
}

/** What happened to the request, in one line. */
function outcomeLine(r: AccessRequest, names: Names = IDS): string {
  switch (r.state) {
    case 'pending':
      return `#${r.id} waits for ${plural(r.decision.approvalsNeeded - r.approvals.length, 'approval')} from ${orList(r.decision.approvers.map((id) => names.of(id)))}`;
    case 'active':
      return `#${r.id} is open until ${time(r.endAt)} UTC`;
    case 'denied':
    case 'failed':
      return `#${r.id} is ${r.state}: ${r.reason ?? r.decision.reasons.join('; ')}`;
    default:
      return `#${r.id} is ${r.state.replace('_', ' ')}`;
  }
}

function idOf(args: Args, usage: string): string {
  const typed = args.positionals[0] ?? '';
  const id = normaliseRequestId(typed);
  if (!id)
    throw new UsageError(`${typed ? `${typed.slice(0, 40)} is not a request ID (six characters such as k7m2qp)` : 'missing the request ID'}; usage: ${usage}`);
  return id;
}

/** Human output names people: looked up once, before anything is printed (IDs in --json). */
async function namesOf(io: CliIo, args: Args, requests: readonly AccessRequest[]): Promise<Names> {
  const names = io.names ?? IDS;
  if (!args.json) await names.learn(requests.flatMap((r) => [r.requester, ...r.decision.approvers]));
  return names;
}

async function report(io: CliIo, args: Args, requests: AccessRequest[], json: unknown): Promise<ExitCode> {
  const names = await namesOf(io, args, requests);
  if (args.json) printJson(io, json);
  else io.stdout(`${requests.map((r) => outcomeLine(r, names)).join('\n')}\n${requestTable(requests, names)}`);
  const refused = requests.find((r) => REFUSED.includes(r.state));
  if (refused) printError(io, outcomeLine(refused, names));
  return refused ? EXIT.failed : EXIT.ok;
}

export async function requestCommand(core: () => Promise<CliCore>, argv: string[], io: CliIo): Promise<ExitCode> {
  const args = readArgs(argv, { as: { type: 'string' } }, USAGE.request);
  const requester = actorOf(args, io.env, USAGE.request);
  if (args.positionals.length < 4) throw new UsageError(`a request needs a VM, ports, a source and a duration; usage: ${USAGE.request}`);
  const [vm, ports, source, duration, ...words] = args.positionals as [string, string, string, string, ...string[]];
  const result = await (await core()).request({ requester, vm, ports, source, duration, justification: words.join(' ') });
  if (!result.ok) {
    if (args.json) printJson(io, { ok: false, problems: result.problems });
    printError(io, `nothing was requested: ${result.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
    return EXIT.failed;
  }
  const requests = result.batch ?? [result.request];
  return report(io, args, requests, { ok: true, requests });
}

function decideReport(io: CliIo, args: Args, result: DecideResult): Promise<ExitCode> {
  const members = result.members?.map((m) => m.request) ?? [result.request];
  return report(io, args, members, { outcome: result.outcome, request: result.request, ...(result.members ? { members } : {}) });
}

/** `jit <verb> <id> --as <user>`: the one request, the acting user and the workflow, or a usage error. */
async function actOnOne(core: () => Promise<CliCore>, argv: string[], io: CliIo, usage: string) {
  const args = readArgs(argv, { as: { type: 'string' } }, usage);
  exactly(args, 1, usage);
  const id = idOf(args, usage);
  const user = actorOf(args, io.env, usage);
  const { workflow } = await core();
  return { args, id, user, workflow };
}

export async function approveCommand(core: () => Promise<CliCore>, argv: string[], io: CliIo): Promise<ExitCode> {
  const { args, id, user, workflow } = await actOnOne(core, argv, io, USAGE.approve);
  return decideReport(io, args, await workflow.approve(id, user));
}

/** A Deny is the approver's "no", not a failure of the command: it exits 0. */
export async function denyCommand(core: () => Promise<CliCore>, argv: string[], io: CliIo): Promise<ExitCode> {
  const args = readArgs(argv, { as: { type: 'string' } }, USAGE.deny);
  const id = idOf(args, USAGE.deny);
  const reason = args.positionals.slice(1).join(' ').trim();
  const user = actorOf(args, io.env, USAGE.deny);
  const { workflow } = await core();
  const result = await workflow.deny(id, user, reason === '' ? undefined : reason);
  const names = await namesOf(io, args, [result.request]);
  if (args.json) printJson(io, { outcome: result.outcome, request: result.request });
  else io.stdout(`${outcomeLine(result.request, names)}\n${requestTable([result.request], names)}`);
  return EXIT.ok;
}

export async function revokeCommand(core: () => Promise<CliCore>, argv: string[], io: CliIo): Promise<ExitCode> {
  const { args, id, user, workflow } = await actOnOne(core, argv, io, USAGE.revoke);
  const request = await workflow.revoke(id, user);
  const names = await namesOf(io, args, [request]);
  if (args.json) printJson(io, { request });
  else {
    const line =
      request.state === 'closed'
        ? `#${id} is revoked: access is closed`
        : `#${id} is revoked; the firewall has not confirmed the close yet, and the bot's sweep retries it until it does`;
    io.stdout(`${line}\n${requestTable([request], names)}`);
  }
  return EXIT.ok;
}

export async function listCommand(store: () => Promise<Pick<RequestStore, 'listRequests'>>, argv: string[], io: CliIo): Promise<ExitCode> {
  const args = readArgs(argv, { all: { type: 'boolean' }, state: { type: 'string' } }, USAGE.list);
  exactly(args, 0, USAGE.list);
  const states = statesOf(args);
  requireReadablePolicy(io.env);
  const requests = await (await store()).listRequests({ states });
  const names = await namesOf(io, args, requests);
  if (args.json) printJson(io, { requests });
  else io.stdout(requests.length === 0 ? `no ${whichRequests(args, states)}requests\n` : requestTable(requests, names));
  return EXIT.ok;
}

/**
 * `jit list` reads only the database, but in the bot's environment: a
 * JIT_POLICY that names no readable file says this is not that environment
 * (exit 2, as the README's table has it). Its content is not judged, so the
 * requests can still be listed while a broken file keeps the bot from starting.
 * Defender for Cloud (azure://…) is not called: its URL need only have the right shape.
 */
function requireReadablePolicy(env: NodeJS.ProcessEnv): void {
  const path = env.JIT_POLICY?.trim() || './policy.yaml';
  if (isAzurePolicyUrl(path)) {
    const parsed = parseAzurePolicyUrl(path);
    if (!parsed.ok) throw new SetupError(`JIT_POLICY ${parsed.error}`);
    return;
  }
  try {
    if (!statSync(path).isFile()) throw new SetupError(`JIT_POLICY (${path}) is not a file: set JIT_POLICY to the bot's policy file`);
    accessSync(path, constants.R_OK);
  } catch (error) {
    if (error instanceof SetupError) throw error;
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new SetupError(`JIT_POLICY (${path}) ${missing ? 'does not exist' : 'cannot be read'}: set JIT_POLICY to the bot's policy file, as the bot has it`);
  }
}

/** `open `, nothing for --all, or the states asked for: the words before "requests" when there are none. */
function whichRequests(args: Args, states: RequestState[]): string {
  if (args.values.all) return '';
  if (stringOption(args, 'state') === undefined) return 'open ';
  return `${orList(states.map((state) => state.replace('_', ' ')))} `;
}

function statesOf(args: Args): RequestState[] {
  const typed = stringOption(args, 'state');
  if (typed !== undefined && args.values.all) throw new UsageError(`give --all or --state, not both; usage: ${USAGE.list}`);
  if (args.values.all) return [...ALL_STATES];
  if (typed === undefined) return [...LIVE_STATES];
  const states = typed.split(',').map((s) => s.trim().toLowerCase().replace('-', '_'));
  const bad = states.find((s) => !ALL_STATES.includes(s as RequestState));
  if (bad !== undefined) throw new UsageError(`${bad.slice(0, 40) || '(empty)'} is not a state: use ${ALL_STATES.join(', ')}`);
  return states as RequestState[];
}
