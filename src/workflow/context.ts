// What every use case needs, gathered once by the composition root (bot.ts for
// the bot, compose/cli-core.ts for the CLI).

import type { Logger } from '../ports/logger.js';
import type { AccessRequest, AuditEvent, Policy } from '../domain/types.js';
import type { BackendRegistry } from './backends.js';
import type { Clock } from '../ports/clock.js';
import type { Directory } from '../ports/directory.js';
import type { OnCall } from '../ports/on-call.js';
import type { RequestLock } from '../ports/lock.js';
import type { AuditLog, RequestStore, SourceLinkStore } from '../ports/store.js';

export interface WorkflowListener {
  /** A grant became active or got a new end (an extension): (re)arm its expiry and warning timers. */
  activated?(request: AccessRequest): void;
  /** A request reached a terminal state: drop its timer. */
  ended?(request: AccessRequest): void;
  /** A close failed: try again after `delayMs` (the minute sweep retries too). */
  retryClose?(request: AccessRequest, delayMs: number): void;
  /** Outbox rows were written: wake the delivery worker. */
  notified?(): void;
  /** A write was stored with its audit events (observers count them: metrics). Must not throw. */
  committed?(write: Committed): void;
}

/** One stored write: the request as stored, the one it replaced (absent for a new request), and its audit events. */
export interface Committed {
  request: AccessRequest;
  previous?: AccessRequest;
  events: readonly AuditEvent[];
}

export interface WorkflowSettings {
  /**
   * Backends whose rules this process cannot see (the CLI's own memory backend:
   * its empty firewall says nothing about the bot's), so they are not reconciled.
   */
  unreconciled?: readonly string[];
  /** Approval requests go here; unset: a DM to each approver. */
  approvalChannel?: string;
  /** A pending request older than this times out. */
  pendingTimeoutMs: number;
  /** How long before a grant's end its requester is warned (JIT_EXPIRY_WARNING); default 5 minutes. */
  expiryWarningMs?: number;
  /** Admins named by JIT_ADMINS (user IDs), besides the policy's `admins`. */
  admins?: string[];
  /** Audit readers named by JIT_READERS, besides the policy's `readers`. */
  readers?: string[];
}

export interface WorkflowContext {
  /** The roles of the store the use cases use: requests with their audit trail, and the addresses "Use my IP" links recorded. */
  store: RequestStore & AuditLog & SourceLinkStore;
  backends: BackendRegistry;
  clock: Clock;
  policy: () => Policy;
  directory: Directory;
  /**
   * Who is on call (rules with `match.onCall`), asked only when such a rule could
   * decide a request. Absent: those conditions never hold, and `/jit explain` says so.
   */
  onCall?: OnCall;
  randomBytes: (size: number) => Uint8Array;
  logger: Logger;
  settings: WorkflowSettings;
  listener: WorkflowListener;
  /** One use case at a time per request: in this process (KeyedLock), or across replicas (the PostgreSQL lock). */
  lock: RequestLock;
}
