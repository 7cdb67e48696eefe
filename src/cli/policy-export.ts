// `npm run policy:export [-- --out <file>]`: the policy the bot runs (JIT_POLICY
// with the Slack overlay from JIT_DB merged in) in the policy file's own form,
// YAML or JSON, ready to commit; for an azure:// JIT_POLICY, Defender for
// Cloud's policies with JIT_POLICY_EXTENSIONS, as YAML. The database is only
// read. The same as `jit policy export` (cli/policy.ts), with this script's own usage line.
// Exit codes: 0 written, 2 could not export.

import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { readStoredOverlay } from '../compose/cli-store.js';
import { policyReader } from '../compose/startup.js';
import { isAzurePolicyUrl, readPolicyText } from '../config/policy-file.js';
import { exportRunningPolicy } from '../workflow/policy-export.js';

export interface ExportOptions {
  /** Default: JIT_POLICY, else ./policy.yaml. */
  policyPath?: string;
  /** Default: JIT_DB, else ./data/jit.db: a SQLite file (none: no overlay) or a PostgreSQL URL. */
  dbPath?: string;
  /** Told about overlay entries that are left out because they no longer validate. */
  warn?: (message: string) => void;
}

/** The merged policy document as text; rejects with a sentence when the policy file or the database cannot be read. */
export async function exportPolicy(options: ExportOptions = {}): Promise<string> {
  const policyPath = options.policyPath ?? (process.env.JIT_POLICY?.trim() || './policy.yaml');
  const file = isAzurePolicyUrl(policyPath)
    ? await policyReader({
        JIT_POLICY: policyPath,
        JIT_POLICY_EXTENSIONS: process.env.JIT_POLICY_EXTENSIONS?.trim() || undefined,
        AZURE_ARM_ENDPOINT: process.env.AZURE_ARM_ENDPOINT?.trim() || undefined,
      }).read()
    : readPolicyText(policyPath);
  const exported = exportRunningPolicy(file, await readStoredOverlay(options.dbPath ?? process.env.JIT_DB));
  for (const message of exported.leftOut) options.warn?.(message);
  return exported.text;
}

async function main(argv: readonly string[]): Promise<void> {
  let out: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const next = argv[i + 1];
    if (argv[i] === '--out' && out === undefined && next !== undefined && !next.startsWith('--')) {
      out = next;
      i += 1;
      continue;
    }
    process.stderr.write('usage: policy-export [--out <file>]  (reads JIT_POLICY and JIT_DB)\n');
    process.exitCode = 2;
    return;
  }
  try {
    const text = await exportPolicy({ warn: (message) => process.stderr.write(`jit: ${message}\n`) });
    if (out === undefined) process.stdout.write(text);
    else {
      writeFileSync(out, text);
      process.stderr.write(`jit: wrote ${out}\n`);
    }
    process.exitCode = 0;
  } catch (error) {
    process.stderr.write(`jit: cannot export the policy: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}

// Run as a script (`node --import tsx src/cli/policy-export.ts`); imported, it only exports.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
