// `jit policy import azure://subscriptions/<id>[/resourceGroups/<rg>] [--out <file>]`:
// Defender for Cloud's JIT policies, with JIT_POLICY_EXTENSIONS merged in, as
// the one document the bot composes from them, written as a policy file the bot
// accepts unchanged as JIT_POLICY: to leave Azure as the source, or to review
// in git what an azure:// policy holds. YAML, or JSON when --out ends in .json.

import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { isAzurePolicyUrl } from '../config/policy-file.js';
import { formatPolicyProblems } from '../domain/policy/parse.js';
import { plural } from '../domain/wording.js';
import { exactly, readArgs, stringOption } from './args.js';
import { EXIT, printError, printJson, UsageError, type CliIo, type ExitCode } from './io.js';
import type { AzurePolicyReader } from './policy.js';

export const IMPORT_USAGE = 'jit policy import azure://subscriptions/<id>[/resourceGroups/<rg>] [--out <file>]';

export async function policyImportCommand(argv: string[], io: CliIo, azure: AzurePolicyReader): Promise<ExitCode> {
  const args = readArgs(argv, { out: { type: 'string' } }, IMPORT_USAGE);
  const [url] = exactly(args, 1, IMPORT_USAGE) as [string];
  if (!isAzurePolicyUrl(url))
    throw new UsageError(`${url.slice(0, 60)} is not Defender for Cloud: jit policy import reads an azure:// URL; usage: ${IMPORT_USAGE}`);
  const out = stringOption(args, 'out');
  const source = await azure(url);
  if (!source.ok) {
    if (args.json) printJson(io, { ok: false, problems: source.problems });
    else io.stdout(`${url} has ${plural(source.problems.length, 'problem')}:\n${formatPolicyProblems(source.problems)}\n`);
    printError(
      io,
      `nothing written: fix the ${plural(source.problems.length, 'problem')} listed (in Defender for Cloud or JIT_POLICY_EXTENSIONS), then import again`,
    );
    return EXIT.failed;
  }
  for (const warning of source.warnings ?? []) printError(io, `warning: ${warning}`);
  const text = out !== undefined && extname(out).toLowerCase() === '.json' ? `${JSON.stringify(source.document, null, 2)}\n` : source.text;
  if (out !== undefined) writeFileSync(out, text);
  const vms = plural(source.policy.vms.length, 'VM');
  if (args.json)
    printJson(io, {
      ok: true,
      out: out ?? null,
      vms: source.policy.vms.length,
      warnings: source.warnings ?? [],
      ...(out === undefined ? { document: source.document } : {}),
    });
  else if (out === undefined) io.stdout(text);
  else io.stdout(`wrote ${out}: ${vms} from ${url}\n`);
  return EXIT.ok;
}
