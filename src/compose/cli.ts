// What the `jit` entry scripts hand to runJit: each part of the composition is
// opened only when a command needs it, and the heavy half (the firewall
// modules, Slack's client, the workflow) loads only for commands that change
// requests; the PostgreSQL client only when JIT_DB (or `jit db copy`) names a
// PostgreSQL database.

import type { CliOpeners } from '../cli/core.js';
import { loadPolicyFile, readPolicyText } from '../config/policy-file.js';
import { copyDatabase, openCliStore, readStoredOverlay } from './cli-store.js';

export const CLI_OPENERS: CliOpeners = {
  core: async (env) => (await import('./cli-core.js')).openCore(env),
  store: openCliStore,
  overlay: (env) => readStoredOverlay(env.JIT_DB),
  copyDatabase,
  policyFile: { load: loadPolicyFile, readText: readPolicyText },
};
