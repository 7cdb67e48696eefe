// What the bot's and the CLI's compositions share: the workflow settings from
// the environment, the policy file, the backends it names, and the one error
// kind a startup problem becomes (one line for the operator, no stack trace).

import { type BackendConfig, createBackends } from './backends.js';
import type { Config } from '../config/env.js';
import { readPolicySource } from '../config/policy-file.js';
import { JitError } from '../domain/errors.js';
import { formatPolicyProblems } from '../domain/policy/parse.js';
import { DEFAULT_PENDING_TIMEOUT_SECONDS } from '../domain/rules.js';
import type { Policy } from '../domain/types.js';
import { type Clock, systemClock } from '../ports/clock.js';
import type { FirewallBackend } from '../ports/firewall.js';
import type { Logger } from '../ports/logger.js';
import type { AuditLog, PolicyOverlayStore } from '../ports/store.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { BackendRegistry } from '../workflow/backends.js';
import type { KeyedLock, WorkflowSettings } from '../workflow/context.js';
import { LivePolicy, type PolicyFile } from '../workflow/live-policy.js';

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

/**
 * The running policy and the backends it needs, built the same way for the bot
 * and the CLI: the policy file, the Slack overlay stored beside the requests,
 * one backend of each kind they name (or the ones given: tests pass theirs),
 * composed once, by LivePolicy. Nothing is written: the bot announces the
 * entries that are not applied itself.
 */
export async function openPolicy(input: {
  config: BackendConfig;
  file: PolicyFile;
  store: PolicyOverlayStore & AuditLog;
  logger: Logger;
  clock: Clock;
  lock: KeyedLock;
  backends?: FirewallBackend[];
  /** Reads the file again (SIGHUP); throws a sentence when it is invalid. */
  readFile: () => PolicyFile;
  notified?: () => void;
}): Promise<{ backends: BackendRegistry; live: LivePolicy }> {
  const { config, file, store, logger } = input;
  const overlay = await store.overlayVms();
  const backends = new BackendRegistry(input.backends ?? createBackends(config, file.policy, logger, overlay), config.JIT_BACKEND);
  checkBackends(file.policy, backends);
  const readFile = () => {
    const next = input.readFile();
    checkBackends(next.policy, backends);
    return next;
  };
  const live = await LivePolicy.load(
    { store, backends, clock: input.clock, logger, lock: input.lock, readFile, ...(input.notified ? { notified: input.notified } : {}) },
    file,
  );
  return { backends, live };
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
