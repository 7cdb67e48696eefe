// What the \`jit\` entry scripts hand to runJit: each part of the composition is
// opened only when a command needs it, and the heavy half (the firewall
// modules, Slack's client, the workflow) loads only for commands that change
// requests; the PostgreSQL client only when JIT_DB (or \`jit db copy\`) names a
// PostgreSQL database; the Azure SDK only when a policy is read from Defender for Cloud.

import type { AuditAnchorOpeners } from '../cli/audit.js';
import type { CliOpeners } from '../cli/core.js';
import { SetupError } from '../cli/io.js';
import { loadPolicyFile, type PolicySource, readPolicyText } from '../config/policy-file.js';
import { cliConfig, copyDatabase, openCliStore, readStoredOverlay } from './cli-store.js';
import { policyReader, type PolicySourceOptions, StartupError } from './startup.js';

/** The openers, with how an azure:// policy reaches ARM (tests pass the fake's credential and TLS trust). */
export function cliOpeners(policySource: PolicySourceOptions = {}): CliOpeners & { auditAnchors: AuditAnchorOpeners } {
  return {
    // Slack's client loads only for `jit audit verify --against-slack`.
    auditAnchors: {
      key: async (env) => (await import('./audit-anchors.js')).AUDIT_ANCHOR_OPENERS.key(env),
      slack: async (env) => (await import('./audit-anchors.js')).AUDIT_ANCHOR_OPENERS.slack(env),
      database: async (env) => (await import('./audit-anchors.js')).AUDIT_ANCHOR_OPENERS.database(env),
    },
    core: async (env) => (await import('./cli-core.js')).openCore(env, policySource),
    store: openCliStore,
    overlay: (env) => readStoredOverlay(env.JIT_DB),
    copyDatabase,
    policyFile: { load: loadPolicyFile, readText: readPolicyText },
    azurePolicy: (url, env) => readAzurePolicyFor(url, env, policySource),
  };
}

export const CLI_OPENERS: CliOpeners & { auditAnchors: AuditAnchorOpeners } = cliOpeners();

async function readAzurePolicyFor(url: string, env: NodeJS.ProcessEnv, options: PolicySourceOptions): Promise<PolicySource> {
  const config = cliConfig(env);
  try {
    const reader = policyReader(
      { JIT_POLICY: url, JIT_POLICY_EXTENSIONS: config.JIT_POLICY_EXTENSIONS, AZURE_ARM_ENDPOINT: config.AZURE_ARM_ENDPOINT },
      options,
    );
    return await reader.readSource();
  } catch (error) {
    throw error instanceof StartupError ? new SetupError(error.message) : error;
  }
}
