// What the `jit` entry scripts hand to runJit: each part of the composition is
// opened only when a command needs it, and the heavy half (the firewall
// modules, Slack's client, the workflow) loads only for commands that change
// requests.

import type { CliOpeners } from '../cli/core.js';
import { loadPolicyFile, readPolicyText } from '../config/policy-file.js';
import { openCliStore, readStoredOverlay } from './cli-store.js';

export const CLI_OPENERS: CliOpeners = {
  core: async (env) => (await import('./cli-core.js')).openCore(env),
  store: openCliStore,
  overlay: async (env) => readStoredOverlay(env.JIT_DB),
  policyFile: { load: loadPolicyFile, readText: readPolicyText },
};
