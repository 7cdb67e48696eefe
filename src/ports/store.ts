// The Store port, split by role, every method asynchronous so a network
// database can implement it as well as SQLite does. Each consumer names the roles it needs (the
// outbox worker the outbox, /healthz the lifecycle, the use cases requests,
// audit log and source links), and one adapter (store/sqlite-store.ts)
// implements them all over one database, so a state change, its audit events
// and its outbox rows are still written in one transaction.

import type { ChainVerdict } from '../domain/audit-chain.js';
import type { Notification } from '../domain/notification.js';
import type { OverlayVm } from '../domain/policy/overlay.js';
import type { AccessRequest, AuditEvent, RequestState, SystemEvent } from '../domain/types.js';
import type { MessageRef, PostedStep, PostRecord } from './notifier.js';

export interface RequestFilter {
  requester?: string;
  states?: readonly RequestState[];
  vm?: string;
  /** Members of one batch, in the order they were asked for (leader first). */
  batchId?: string;
  /** Extension requests of one original request. */
  extends?: string;
}

/** Compare-and-swap guard: the row must still be in this state at this version. */
export interface Expected {
  id: string;
  state: RequestState;
  version: number;
}

/** One request to insert with what its creation writes beside it. */
export interface NewRequest {
  request: AccessRequest;
  events: AuditEvent[];
  notifications: Notification[];
}

/** One compare-and-swap of a batch (`RequestStore.transitions`): what `transition` takes, as one value. */
export interface TransitionItem {
  expected: Expected;
  next: AccessRequest;
  events: AuditEvent[];
  notifications: Notification[];
}

/**
 * What the timers and the overdue watch need of an active request: its times,
 * not the whole request. Ten thousand open grants read this way cost a few
 * fields each instead of a parsed request each.
 */
export interface ActiveEnd {
  id: string;
  kind: AccessRequest['kind'];
  state: RequestState;
  endAt: number;
  startAt?: number;
  expiryWarnedFor?: number;
}

/** An `ActiveEnd` as an engine reads it: numbers may come as text (PostgreSQL), absent fields as NULL. */
export interface ActiveEndRow {
  id: string;
  /** NULL in a row stored before requests had kinds: then `extends` tells, as `withKind` reads it. */
  kind: string | null;
  extends: string | null;
  state: string;
  endAt: number | string;
  startAt?: number | string | null;
  expiryWarnedFor?: number | string | null;
}

/** An `ActiveEnd` from a row's columns: SQL NULL (or a missing JSON field) is an absent field. */
export function activeEndOf(row: ActiveEndRow): ActiveEnd {
  const kind = (row.kind ?? (row.extends === null ? 'grant' : 'extension')) as ActiveEnd['kind'];
  const end: ActiveEnd = { id: row.id, kind, state: row.state as RequestState, endAt: Number(row.endAt) };
  if (row.startAt !== null && row.startAt !== undefined) end.startAt = Number(row.startAt);
  if (row.expiryWarnedFor !== null && row.expiryWarnedFor !== undefined) end.expiryWarnedFor = Number(row.expiryWarnedFor);
  return end;
}

/** Requests and their state changes; every write carries its audit events and outbox rows. */
export interface RequestStore {
  /** Inserts a new request with its first audit event and notifications, in one transaction. Throws JitError jit_store_failed with cause `duplicate_id` when the id exists. */
  insertRequest(request: AccessRequest, events: AuditEvent[], notifications: Notification[]): Promise<AccessRequest>;
  /**
   * Inserts several new requests (one batch) with their events and notifications,
   * all in one transaction: all are stored or none. Throws like insertRequest when
   * any id exists.
   */
  insertRequests(items: NewRequest[]): Promise<AccessRequest[]>;
  getRequest(id: string): Promise<AccessRequest | undefined>;
  /**
   * Writes `next` (its version becomes expected.version + 1) with its audit
   * events and notifications in one transaction, only if the stored row still
   * matches `expected`. Returns the stored request, or undefined when another
   * writer got there first (nothing is written then).
   */
  transition(expected: Expected, next: AccessRequest, events: AuditEvent[], notifications: Notification[]): Promise<AccessRequest | undefined>;
  /**
   * Several transitions in ONE transaction (grants that end together): each is
   * its own compare-and-swap, exactly as `transition` would write it, in the
   * order given, and resolves in its slot with the stored request or undefined
   * when its row had moved on (that one writes nothing; the others still
   * land). All or nothing: when any write fails, none is stored and it throws.
   */
  transitions(items: TransitionItem[]): Promise<Array<AccessRequest | undefined>>;
  listRequests(filter: RequestFilter): Promise<AccessRequest[]>;
  /** Active requests with endAt <= now, and every request in `closing`. */
  dueForClose(now: number): Promise<AccessRequest[]>;
  /** Active requests with endAt <= at, soonest first (then by id), as their times only: what arming timers and the overdue watch read. */
  activeEnds(at: number): Promise<ActiveEnd[]>;
  /**
   * When `requester` asked for access at or after `since`, oldest first: one
   * time per grant request, a batch counting once (its leader), extension
   * requests not at all. The rate limit counts here, where every replica sees it.
   */
  requestTimesSince(requester: string, since: number): Promise<number[]>;
}

/** The hash-chained audit log: request events and the bot's own (system) events. */
export interface AuditLog {
  /** Every request's audit events, oldest first; of one request when given. */
  auditEvents(requestId?: string): Promise<AuditEvent[]>;
  /**
   * Writes an event of the bot itself (drift) with its notifications in one
   * transaction, into the same hash-chained audit log as request events.
   */
  recordSystemEvent(event: SystemEvent, notifications: Notification[]): Promise<void>;
  /** The bot's own audit events, oldest first. */
  systemEvents(): Promise<SystemEvent[]>;
  /** Every audit event at or after `at` (epoch ms), oldest first, the bot's own (no requestId) among them: the audit export's window. */
  auditEventsSince(at: number): Promise<Array<AuditEvent | SystemEvent>>;
  /** Checks the hash chain and names the first row that was edited, deleted or reordered. */
  verifyAuditChain(): Promise<ChainVerdict>;
}

export interface OutboxRow {
  id: number;
  /** Absent for the bot's own (drift) notifications. */
  requestId?: string;
  notification: Notification;
  attempts: number;
  /** Epoch ms before which the worker must not retry. */
  nextAttemptAt: number;
  lastError?: string;
}

/** The outbox's backlog. */
export interface OutboxStats {
  /** Undelivered rows, due or not. */
  pending: number;
  /** When the oldest undelivered row was queued (epoch ms, never after `now`); undefined when none waits (or none has a time: rows queued before schema 7). */
  oldestAt: number | undefined;
}

/** The stats from what an engine counted: `oldestAt` no later than `now` (a replica whose clock runs ahead gives no negative age). */
export function outboxStatsOf(counted: { pending: number | string; oldestAt: number | string | null }, now: number): OutboxStats {
  const oldest = counted.oldestAt === null ? undefined : Number(counted.oldestAt);
  return { pending: Number(counted.pending), oldestAt: oldest === undefined ? undefined : Math.min(oldest, now) };
}

/** The outbox the worker delivers, the journal of what each row posted, and where the posts live. */
export interface OutboxStore {
  /** Undelivered outbox rows in id order (due or not: the worker keeps per-request order). */
  pendingOutbox(limit: number): Promise<OutboxRow[]>;
  /**
   * Claims rows for one worker (one replica) until `now + leaseMs`, so no other
   * worker delivers them meanwhile. Rows form queues: a request's rows of one
   * lane (`laneOf`: audit, approval, requester), and the bot's own rows (no
   * request). Only the oldest undelivered row of a queue can be claimed, and
   * only when it is due (nextAttemptAt <= now) and unclaimed, claimed by this
   * worker, or claimed under a lease that has run out (its worker died). So a
   * queue's rows are delivered one after another, in order, by one worker at a
   * time, and a row that keeps failing holds back its own lane only. (A row
   * without a lane, written by an older build, orders against every lane of its
   * request.) Resolves with the claimed rows, oldest first, at most `limit`.
   */
  claimOutbox(worker: string, now: number, leaseMs: number, limit: number): Promise<OutboxRow[]>;
  /** The backlog: how many rows wait, and since when the oldest (for metrics). */
  outboxStats(now: number): Promise<OutboxStats>;
  /**
   * Marks the row delivered and records where its messages are; its claim
   * ends. `posts`: the ts of posts the delivery made, recorded (as
   * `recordPost` does) in the same transaction.
   */
  markDelivered(rowId: number, refs: MessageRef[], posts?: PostedStep[]): Promise<void>;
  /** Counts a failed attempt and when to try again; its claim ends. */
  markRetry(rowId: number, error: string, nextAttemptAt: number): Promise<void>;
  messageRefs(requestId: string): Promise<MessageRef[]>;
  /** What an outbox row has posted (or was about to post) so far. */
  outboxPosts(rowId: number): Promise<PostRecord[]>;
  claimPost(rowId: number, step: string, channel: string, at: number): Promise<void>;
  recordPost(rowId: number, step: string, channel: string, ts: string): Promise<void>;
}

/** Admins' edits from Slack, kept over the policy file. */
export interface PolicyOverlayStore {
  /**
   * Saves a VM an admin enabled or edited from Slack (replacing the entry of the
   * same name, ignoring case) with its audit event and notifications, in one transaction.
   */
  saveOverlayVm(entry: OverlayVm, event: SystemEvent, notifications: Notification[]): Promise<void>;
  /** The Slack overlay over the policy file, in the order the VMs were first saved. */
  overlayVms(): Promise<OverlayVm[]>;
  /** Drops an entry the policy file now says the same as; returns whether one was there. */
  retireOverlayVm(name: string): Promise<boolean>;
}

/** Addresses captured by "Use my IP" links. */
export interface SourceLinkStore {
  /**
   * Records the address a "Use my IP" link captured. Returns false, writing
   * nothing, when that link's nonce was already used (links work once).
   */
  recordSourceLink(nonce: string, user: string, address: string, at: number): Promise<boolean>;
  /** The address the user's most recent link recorded at or after `since`. */
  recentSource(user: string, since: number): Promise<string | undefined>;
}

/** A lease on one of the jobs a single replica must run (the sweep, the overdue watch). */
export interface Lease {
  name: string;
  holder: string;
  /** Epoch ms; after it, any replica may take the lease. */
  expiresAt: number;
}

/** The lease of the replica that runs the scheduler (the sweep, the overdue watch). */
export const SCHEDULER_LEASE = 'scheduler';

/** Leases: which replica runs the jobs only one may run. */
export interface LeaseStore {
  /**
   * Takes the lease `name` for `holder` until `now + ttlMs` when it is free, has
   * run out, or is `holder`'s already (a renewal). Resolves with the lease as it
   * stands after the call: `holder`'s when it won, the other holder's when not.
   */
  acquireLease(name: string, holder: string, now: number, ttlMs: number): Promise<Lease>;
  /** Gives the lease up (a clean shutdown) when `holder` holds it, so another replica need not wait for it to run out. */
  releaseLease(name: string, holder: string): Promise<void>;
  /** Who holds the lease at `now`, without taking it; undefined when nobody does. */
  currentLease(name: string, now: number): Promise<Lease | undefined>;
}

export interface StoreLifecycle {
  /** Cheap liveness probe for /healthz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Every role over one database: what the composition root opens and hands out role by role. */
export type Store = RequestStore & AuditLog & OutboxStore & PolicyOverlayStore & SourceLinkStore & LeaseStore & StoreLifecycle;
