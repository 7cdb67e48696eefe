// What the bot's and the CLI's compositions share: the workflow settings from
// the environment, the policy file, the backends it names, and the one error
// kind a startup problem becomes (one line for the operator, no stack trace).

import { BACKEND_KINDS } from './backends.js';
import type { Config } from '../config/env.js';
import { readPolicySource } from '../config/policy-file.js';
import { JitError } from '../domain/errors.js';
import { composePolicy } from '../domain/policy/overlay.js';
import { formatPolicyProblems } from '../domain/policy/parse.js';
import { DEFAULT_PENDING_TIMEOUT_SECONDS } from '../domain/rules.js';
import type { Policy } from '../domain/types.js';
import { type Clock, systemClock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { BackendRegistry } from '../workflow/backends.js';
import type { WorkflowSettings } from '../workflow/context.js';
import type { PolicyFile } from '../workflow/live-policy.js';

/** A startup problem: one line for the operator, no stack trace. */
export class StartupError extends Error {}

/** The workflow's settings from the environment (the bot and the `jit` CLI share them). */
export function workflowSettings(config: Pick<Config, 'JIT_EXPIRY_WARNING' | 'JIT_APPROVAL_CHANNEL' | 'JIT_READERS' | 'JIT_ADMINS'>): WorkflowSettings {
  return {
    pendingTimeoutMs: DEFAULT_PENDING_TIMEOUT_SECONDS * 1000,
    expiryWarningMs: config.JIT_EXPIRY_WARNING,
    admins: config.JIT_ADMINS,
    readers: config.JIT_READERS,
    ...(config.JIT_APPROVAL_CHANNEL ? { approvalChannel: config.JIT_APPROVAL_CHANNEL } : {}),
  };
}

export function readPolicy(path: string): PolicyFile {
  const result = readPolicySource(path);
  if (result.ok) return result;
  throw new StartupError(`JIT_POLICY (${path}) is invalid:\n${formatPolicyProblems(result.problems)}`);
}

/** The file's policy with the overlay's VMs, so a backend only an enabled VM names is started too. */
export function withOverlayBackends(file: PolicyFile, store: Store): Policy {
  const composed = composePolicy(file.document, store.overlayVms());
  if (!composed.ok) return file.policy;
  const known = (vm: { backend?: string }) => vm.backend === undefined || (BACKEND_KINDS as readonly string[]).includes(vm.backend);
  return { ...composed.policy, vms: composed.policy.vms.filter(known) };
}

export function checkBackends(policy: Policy, backends: BackendRegistry): void {
  for (const vm of policy.vms) {
    try {
      backends.forVm(vm);
    } catch (error) {
      throw new StartupError(`JIT_POLICY: ${(error as Error).message}`);
    }
  }
}

export function openStore(path: string, clock: Clock = systemClock): SqliteStore {
  try {
    return SqliteStore.open(path, { clock });
  } catch (error) {
    const message = error instanceof JitError ? error.message : `cannot open ${path}: ${(error as Error).message}`;
    throw new StartupError(`JIT_DB ${message}`);
  }
}
