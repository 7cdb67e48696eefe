// What the bot's and the CLI's compositions share: the workflow settings from
// the environment, the policy (a file, or Defender for Cloud's JIT policies
// with JIT_POLICY_EXTENSIONS), the backends it names, and the one error kind a
// startup problem becomes (one line for the operator, no stack trace).

import { type BackendConfig, createBackends } from './backends.js';
import { type Config, isPostgresUrl } from '../config/env.js';
import { readAzurePolicy } from '../config/azure-policy.js';
import { isAzurePolicyUrl, parseAzurePolicyUrl, type PolicySource, readPolicySource } from '../config/policy-file.js';
import { type ArmClientOptions, ArmClients, defaultAzureCredential } from '../firewall/azure/clients.js';
import { listDefenderPolicies } from '../firewall/azure/defender-policies.js';
import type { PolicyText } from '../workflow/policy-export.js';
import { JitError } from '../domain/errors.js';
import { noApproversWarning, onCallWarnings } from '../domain/policy/checks.js';
import { formatPolicyProblems } from '../domain/policy/parse.js';
import { DEFAULT_PENDING_TIMEOUT_SECONDS } from '../domain/rules.js';
import type { Policy } from '../domain/types.js';
import { type Clock, systemClock } from '../ports/clock.js';
import type { FirewallBackend } from '../ports/firewall.js';
import type { Logger } from '../ports/logger.js';
import type { AuditLog, PolicyOverlayStore, Store } from '../ports/store.js';
import type { ChainReader } from '../domain/audit-anchor.js';
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

export function readPolicy(path: string): PolicyText {
  const result = readPolicySource(path);
  if (result.ok) return result;
  throw new StartupError(`JIT_POLICY (${path}) is invalid:\n${formatPolicyProblems(result.problems)}`);
}

export type PolicyConfig = Pick<Config, 'JIT_POLICY' | 'JIT_POLICY_EXTENSIONS' | 'AZURE_ARM_ENDPOINT'>;

export interface PolicySourceOptions {
  /** The ARM pipeline for an azure:// policy: the bot's credential and AZURE_ARM_ENDPOINT unless given (tests pass the fake's, with its TLS trust). */
  arm?: Partial<ArmClientOptions>;
  /** Told each warning of a read once (the schedule reads every few minutes): an extension for a VM Defender no longer lists. */
  warn?: (message: string) => void;
}

/** Where the policy comes from, read the same way by the bot (at start, on SIGHUP, on its schedule) and the CLI. */
export interface PolicyReader {
  /** JIT_POLICY as configured. */
  source: string;
  /** Defender for Cloud (azure://…), which the bot also reads again every JIT_POLICY_REFRESH. */
  azure: boolean;
  /** Every problem with where it is (invalid), or what to check (unreadable), as a StartupError. */
  read(): Promise<PolicyText>;
  /** The same, with the problems as data; throws StartupError only when the source cannot be read. */
  readSource(): Promise<PolicySource>;
}

export function policyReader(config: PolicyConfig, options: PolicySourceOptions = {}): PolicyReader {
  const source = config.JIT_POLICY;
  const extensions = config.JIT_POLICY_EXTENSIONS;
  let readSource: () => Promise<PolicySource>;
  if (!isAzurePolicyUrl(source)) {
    readSource = async () => {
      // Said rather than ignored: approvers written there would silently not apply.
      if (extensions !== undefined)
        throw new StartupError(
          `JIT_POLICY_EXTENSIONS (${extensions}) is read only with an azure:// JIT_POLICY: put its approvers, rules and VM fields in ${source} itself, or unset JIT_POLICY_EXTENSIONS`,
        );
      return readPolicySource(source);
    };
  } else {
    const parsed = parseAzurePolicyUrl(source);
    let clients: ArmClients | undefined;
    const warned = new Set<string>();
    const warnOnce = (warnings: readonly string[]) => {
      for (const warning of warnings) {
        if (!warned.has(warning)) options.warn?.(warning);
        warned.add(warning);
      }
    };
    readSource = async () => {
      if (!parsed.ok) throw new StartupError(`JIT_POLICY ${parsed.error}`);
      clients ??= new ArmClients({
        credential: defaultAzureCredential(),
        ...(config.AZURE_ARM_ENDPOINT ? { endpoint: config.AZURE_ARM_ENDPOINT } : {}),
        ...options.arm,
      });
      const arm = clients;
      try {
        const read = await readAzurePolicy(parsed.scope, extensions, (scope) => listDefenderPolicies(arm, scope));
        if (read.ok) warnOnce(read.warnings ?? []);
        return read;
      } catch (error) {
        throw new StartupError(
          `JIT_POLICY (${source}): cannot read Defender for Cloud's JIT policies: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    };
  }
  return {
    source,
    azure: isAzurePolicyUrl(source),
    readSource,
    async read() {
      const result = await readSource();
      if (result.ok) return result;
      throw new StartupError(`JIT_POLICY (${source}) is invalid:\n${formatPolicyProblems(result.problems)}`);
    },
  };
}

/** Where a policy without approvers gets them: the policy file, or the extensions file of an azure:// policy. */
export function approversFile(config: { JIT_POLICY?: string; JIT_POLICY_EXTENSIONS?: string | undefined }): string {
  if (config.JIT_POLICY !== undefined && isAzurePolicyUrl(config.JIT_POLICY)) return config.JIT_POLICY_EXTENSIONS ?? 'a JIT_POLICY_EXTENSIONS file';
  return config.JIT_POLICY ?? 'the policy file';
}

/**
 * The running policy and the backends it needs, built the same way for the bot
 * and the CLI: the policy file, the Slack overlay stored beside the requests,
 * one backend of each kind they name (or the ones given: tests pass theirs),
 * composed once, by LivePolicy. Nothing is written: the bot announces the
 * entries that are not applied itself.
 */
export async function openPolicy(input: {
  config: BackendConfig & {
    JIT_POLICY?: string;
    JIT_POLICY_EXTENSIONS?: string | undefined;
    JIT_PAGERDUTY_TOKEN?: string | undefined;
    JIT_OPSGENIE_TOKEN?: string | undefined;
  };
  file: PolicyFile;
  store: PolicyOverlayStore & AuditLog;
  logger: Logger;
  clock: Clock;
  lock: RequestLock;
  backends?: FirewallBackend[];
  /** Reads the policy again (SIGHUP, the azure:// schedule); throws a sentence when it is invalid or unreadable. */
  readFile: () => PolicyFile | Promise<PolicyFile>;
  notified?: () => void;
}): Promise<{ backends: BackendRegistry; live: LivePolicy }> {
  const { config, file, store, logger } = input;
  const overlay = await store.overlayVms();
  const backends = new BackendRegistry(input.backends ?? createBackends(config, file.policy, logger, overlay), config.JIT_BACKEND);
  checkBackends(file.policy, backends);
  // Valid, yet denying everything that needs approval, or with an on-call
  // condition that can never hold (its service has no token): said at start and at each reload.
  const services = { pagerduty: Boolean(config.JIT_PAGERDUTY_TOKEN), opsgenie: Boolean(config.JIT_OPSGENIE_TOKEN) };
  const warnApprovers = (policy: Policy) => {
    const warning = noApproversWarning(policy, approversFile(config));
    if (warning !== undefined) logger.warn(warning);
    for (const line of onCallWarnings(policy, services)) logger.warn(line);
  };
  warnApprovers(file.policy);
  // A file is read again only on SIGHUP, and warned each time; Defender for Cloud
  // every few minutes too (the azure:// schedule), so only when its policy changed.
  const scheduled = config.JIT_POLICY !== undefined && isAzurePolicyUrl(config.JIT_POLICY);
  let lastRead = JSON.stringify(file.document);
  const readFile = async () => {
    const next = await input.readFile();
    checkBackends(next.policy, backends);
    const document = JSON.stringify(next.document);
    if (!scheduled || document !== lastRead) warnApprovers(next.policy);
    lastRead = document;
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
  /** With the chain reads the audit checkpoints need (audit-anchor.ts). */
  store: Store & ChainReader;
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
