// What the bot's and the CLI's compositions share: the workflow settings from
// the environment, the policy file, the backends it names, and the one error
// kind a startup problem becomes (one line for the operator, no stack trace).

import { type BackendConfig, createBackends } from './backends.js';
import { type Config, isPostgresUrl } from '../config/env.js';
import { readPolicySource } from '../config/policy-file.js';
import { JitError } from '../domain/errors.js';
import { noApproversWarning } from '../domain/policy/checks.js';
import { formatPolicyProblems } from '../domain/policy/parse.js';
import { DEFAULT_PENDING_TIMEOUT_SECONDS } from '../domain/rules.js';
import type { Policy } from '../domain/types.js';
import { type Clock, systemClock } from '../ports/clock.js';
import type { FirewallBackend } from '../ports/firewall.js';
import type { Logger } from '../ports/logger.js';
import type { AuditLog, PolicyOverlayStore, Store } from '../ports/store.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { BackendRegistry } from '../workflow/backends.js';
import { KeyedLock, type RequestLock } from '../ports/lock.js';
import type { WorkflowSettings } from '../workflow/context.js';
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
  config: BackendConfig & { JIT_POLICY?: string };
  file: PolicyFile;
  store: PolicyOverlayStore & AuditLog;
  logger: Logger;
  clock: Clock;
  lock: RequestLock;
  backends?: FirewallBackend[];
  /** Reads the file again (SIGHUP); throws a sentence when it is invalid. */
  readFile: () => PolicyFile;
  notified?: () => void;
}): Promise<{ backends: BackendRegistry; live: LivePolicy }> {
  const { config, file, store, logger } = input;
  const overlay = await store.overlayVms();
  const backends = new BackendRegistry(input.backends ?? createBackends(config, file.policy, logger, overlay), config.JIT_BACKEND);
  checkBackends(file.policy, backends);
  // Valid, yet denying everything that needs approval: said at start and at each reload.
  const warnApprovers = (policy: Policy) => {
    const warning = noApproversWarning(policy, config.JIT_POLICY ?? 'the policy file');
    if (warning !== undefined) logger.warn(warning);
  };
  warnApprovers(file.policy);
  const readFile = () => {
    const next = input.readFile();
    checkBackends(next.policy, backends);
    warnApprovers(next.policy);
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

/** The database JIT_DB names, the per-request lock that fits it, and which engine it is. */
export interface OpenedStore {
  store: Store;
  lock: RequestLock;
  engine: 'sqlite' | 'postgres';
  /** Closes the lock's connections, then the store. */
  close(): Promise<void>;
}

/**
 * A SQLite file (one bot; the in-process lock is enough) or a PostgreSQL
 * database shared by replicas (the lock holds across them). The PostgreSQL
 * client is loaded only when one is named.
 */
export async function openStore(config: Pick<Config, 'JIT_DB' | 'JIT_DB_POOL' | 'JIT_REPLICA_ID'>, clock: Clock = systemClock): Promise<OpenedStore> {
  const target = config.JIT_DB;
  try {
    if (!isPostgresUrl(target)) {
      const store = SqliteStore.open(target, { clock });
      return { store, lock: new KeyedLock(), engine: 'sqlite', close: () => store.close() };
    }
    const { PostgresStore } = await import('../store/postgres/postgres-store.js');
    const { PgRequestLock } = await import('../store/postgres/lock.js');
    const applicationName = `jit-access-bot${config.JIT_REPLICA_ID ? ` ${config.JIT_REPLICA_ID}` : ''}`;
    const store = await PostgresStore.open(target, { clock, poolSize: config.JIT_DB_POOL, applicationName });
    const lock = new PgRequestLock(target, { applicationName, poolSize: config.JIT_DB_POOL });
    return {
      store,
      lock,
      engine: 'postgres',
      close: async () => {
        await lock.close();
        await store.close();
      },
    };
  } catch (error) {
    const message = error instanceof JitError ? error.message : `cannot open ${redactUrl(target)}: ${(error as Error).message}`;
    throw new StartupError(`JIT_DB ${message}`);
  }
}

/** A database URL without its password, for messages and logs. */
export function redactUrl(target: string): string {
  if (!isPostgresUrl(target) || !URL.canParse(target)) return target;
  const url = new URL(target);
  if (url.password !== '') url.password = '***';
  return url.toString();
}
