// `jit policy check <file>`: the bot's own loader on a file (or on Defender
// for Cloud's policies, azure://…), before the bot reads it. Valid: what it
// protects and how each rule decides. Invalid: every problem with its path, as
// the bot would report them at startup.

import { readFileSync, writeFileSync } from 'node:fs';
import type { OverlayVm } from '../domain/policy/overlay.js';
import { exportRunningPolicy } from '../workflow/policy-export.js';
import { formatDuration, toIsoDuration } from '../domain/duration.js';
import { noApproversWarning, onCallWarnings } from '../domain/policy/checks.js';
import { onCallPlaces } from '../domain/rules-on-call.js';
import { formatPolicyProblems } from '../domain/policy/parse.js';
import { describeWindow } from '../domain/time-window.js';
import type { Policy, PortPolicy, Rule } from '../domain/types.js';
import { orList, plural } from '../domain/wording.js';
import { exactly, readArgs, stringOption } from './args.js';
import { EXIT, printError, printJson, SetupError, type CliIo, type ExitCode } from './io.js';
import { IDS, type Names } from './names.js';
import { table } from './table.js';
import type { CliOpeners, PolicyFiles } from './core.js';
import { isAzurePolicyUrl, type PolicySource } from '../config/policy-file.js';

/** How `jit policy` reads an azure://… policy (CliOpeners.azurePolicy, with the command's environment). */
export type AzurePolicyReader = (url: string) => ReturnType<CliOpeners['azurePolicy']>;

export const USAGE = 'jit policy check <file>';
export const EXPORT_USAGE = 'jit policy export [--out <file>]';

/** The summary's tables wrap to this many columns, so they read in a terminal of the usual width. */
const WIDTH = 100;

/**
 * `jit policy export`: the policy the bot runs (JIT_POLICY with the Slack
 * overlay from JIT_DB) in the file's own form, to commit back to git.
 */
export async function policyExportCommand(
  argv: string[],
  io: CliIo,
  files: PolicyFiles,
  overlay: () => Promise<OverlayVm[]>,
  azure: AzurePolicyReader,
): Promise<ExitCode> {
  const args = readArgs(argv, { out: { type: 'string' } }, EXPORT_USAGE);
  exactly(args, 0, EXPORT_USAGE);
  const out = stringOption(args, 'out');
  let text: string;
  let warnings: string[];
  try {
    const path = io.env.JIT_POLICY?.trim() || './policy.yaml';
    ({ text, leftOut: warnings } = exportRunningPolicy(isAzurePolicyUrl(path) ? valid(path, await azure(path)) : files.readText(path), await overlay()));
  } catch (error) {
    if (error instanceof SetupError) throw error;
    throw new SetupError(`cannot export the policy: ${error instanceof Error ? error.message : String(error)}`);
  }
  for (const warning of warnings) printError(io, warning);
  if (out !== undefined) writeFileSync(out, text);
  if (args.json) printJson(io, { ok: true, out: out ?? null, leftOut: warnings, ...(out === undefined ? { document: text } : {}) });
  else if (out === undefined) io.stdout(text);
  else io.stdout(`wrote ${out}\n`);
  return EXIT.ok;
}

/** The export of an azure:// policy as the bot runs it; the sentence readText would throw when it is invalid. */
function valid(path: string, source: PolicySource) {
  if (source.ok) return source;
  throw new Error(`JIT_POLICY (${path}) is invalid:\n${formatPolicyProblems(source.problems)}`);
}

export async function policyCheckCommand(argv: string[], io: CliIo, files: PolicyFiles, azure: AzurePolicyReader): Promise<ExitCode> {
  const args = readArgs(argv, {}, USAGE);
  const [file] = exactly(args, 1, USAGE) as [string];
  let result: ReturnType<PolicyFiles['load']>;
  if (isAzurePolicyUrl(file)) {
    const source = await azure(file);
    result = source.ok ? { ok: true, policy: source.policy } : source;
  } else {
    try {
      readFileSync(file);
    } catch (error) {
      throw new SetupError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
    }
    result = files.load(file);
  }
  if (!result.ok) {
    if (args.json) printJson(io, { ok: false, problems: result.problems });
    else io.stdout(`${file} has ${plural(result.problems.length, 'problem')}:\n${formatPolicyProblems(result.problems)}\n`);
    printError(io, `${file} is invalid: fix the ${plural(result.problems.length, 'problem')} listed, then check again`);
    return EXIT.failed;
  }
  const warning = noApproversWarning(result.policy, isAzurePolicyUrl(file) ? (io.env.JIT_POLICY_EXTENSIONS ?? 'a JIT_POLICY_EXTENSIONS file') : file);
  // Valid, yet a condition that can never hold: an on-call rule naming a service without its token.
  const services = { pagerduty: Boolean(io.env.JIT_PAGERDUTY_TOKEN?.trim()), opsgenie: Boolean(io.env.JIT_OPSGENIE_TOKEN?.trim()) };
  const warnings = [...(warning === undefined ? [] : [warning]), ...onCallWarnings(result.policy, services)];
  if (args.json) printJson(io, { ok: true, ...summary(result.policy), warnings });
  else {
    const names = io.names ?? IDS;
    await names.learn(principalsOf(result.policy));
    io.stdout(humanSummary(file, result.policy, names));
  }
  for (const line of warnings) printError(io, `warning: ${line}`);
  return EXIT.ok;
}

const sources = (port: PortPolicy): string => (port.anySource ? 'any' : port.allowedSourcePrefixes.join(' '));

function summary(policy: Policy) {
  return {
    approvers: policy.approvers,
    readers: policy.readers ?? [],
    vms: policy.vms.map((vm) => ({
      name: vm.name,
      id: vm.id,
      address: vm.address ?? null,
      backend: vm.backend ?? null,
      tags: vm.tags,
      ports: vm.ports.map((p) => ({
        number: p.number,
        protocol: p.protocol,
        sources: p.anySource ? ['*'] : p.allowedSourcePrefixes,
        maxRequestAccessDuration: toIsoDuration(p.maxDurationSeconds),
        minRequestAccessDuration: toIsoDuration(p.minDurationSeconds),
      })),
    })),
    rules: policy.rules.map((rule) => ({ name: rule.name, effect: rule.effect, when: conditions(rule), then: consequences(rule, policy.approvers) })),
  };
}

/** Every user and group the policy names, to look up before the summary is shown. */
function principalsOf(policy: Policy): string[] {
  return [...policy.approvers, ...(policy.readers ?? []), ...policy.rules.flatMap((rule) => [...(rule.match.requesters ?? []), ...(rule.approvers ?? [])])];
}

function humanSummary(file: string, policy: Policy, names: Names): string {
  const named = (ids: readonly string[]) => ids.map((id) => names.of(id)).join(', ');
  const head = `${file} is valid: ${plural(policy.vms.length, 'VM')}, ${plural(policy.rules.length, 'rule')}; approvers ${named(policy.approvers) || 'none'}; audit readers ${named(policy.readers ?? []) || 'none (JIT_READERS may add some)'}\n`;
  const vms = table(
    ['VM', 'ADDRESS', 'BACKEND', 'PORT', 'SOURCES', 'MAX', 'MIN'],
    policy.vms.flatMap((vm) =>
      vm.ports.map((p) => [
        vm.name,
        vm.address ?? '',
        vm.backend ?? '(JIT_BACKEND)',
        `${p.number}/${p.protocol}`,
        sources(p),
        formatDuration(p.maxDurationSeconds),
        formatDuration(p.minDurationSeconds),
      ]),
    ),
    { width: WIDTH },
  );
  // Without approvers, "one approval from the approvers" would promise what never comes.
  const fallback = policy.approvers.length > 0 ? 'one approval from the approvers' : 'denied, as the policy names no approvers';
  const rules =
    policy.rules.length === 0
      ? `No rules: every request ${policy.approvers.length > 0 ? 'needs one approval from the approvers' : 'is denied, as the policy names no approvers'}.\n`
      : `Rules, first match decides (none matching: ${fallback}):\n${table(
          ['RULE', 'EFFECT', 'WHEN', 'THEN'],
          policy.rules.map((r) => [r.name, r.effect, conditions(r, names).join('; ') || 'always', consequences(r, policy.approvers, names).join('; ')]),
          { width: WIDTH },
        )}`;
  return `${head}\n${vms}\n${rules}`;
}

/** The rule's `match`, one phrase per condition. */
function conditions(rule: Rule, names: Names = IDS): string[] {
  const m = rule.match;
  const out: string[] = [];
  if (m.vms) out.push(`VM ${m.vms.join(' or ')}`);
  if (m.tags)
    out.push(
      `tags ${Object.entries(m.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
  if (m.ports) out.push(`ports within ${m.ports.join(',')}`);
  if (m.requesters) out.push(`requester ${m.requesters.map((id) => names.of(id)).join(' or ')}`);
  if (m.maxDurationSeconds !== undefined) out.push(`at most ${formatDuration(m.maxDurationSeconds)}`);
  if (m.sources) out.push(`source within ${m.sources.join(' or ')}`);
  if (m.hours || m.weekdays) out.push(`${describeWindow(m)} ${m.timezone ?? 'UTC'}`);
  if (m.onCall) out.push(`on call in ${orList(onCallPlaces(m.onCall))}`);
  return out;
}

/** What the rule does once it matches, beyond its effect. */
function consequences(rule: Rule, approvers: readonly string[], names: Names = IDS): string[] {
  const out: string[] = [];
  const who = rule.approvers?.map((id) => names.of(id)).join(', ') ?? 'the approvers';
  if (rule.effect === 'require_approval')
    out.push(rule.approvers || approvers.length > 0 ? `${plural(rule.approvals ?? 1, 'approval')} from ${who}` : 'denied: no approvers');
  if (rule.effect === 'break_glass') out.push(`acknowledged afterwards by ${who}`);
  if (rule.pendingTimeoutSeconds !== undefined) out.push(`times out after ${formatDuration(rule.pendingTimeoutSeconds)}`);
  if (rule.denyEndsRequest === false) out.push('a Deny does not end it');
  if (rule.justification?.required || rule.justification?.pattern)
    out.push(`justification${rule.justification.pattern ? ` matching ${rule.justification.pattern.source}` : ' required'}`);
  if (rule.reason) out.push(`reason: ${rule.reason}`);
  return out;
}
