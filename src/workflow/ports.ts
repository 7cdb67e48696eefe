// Ports the use cases depend on (STYLE.md §2). Adapters implement them; the
// workflow never imports an adapter.

import type { OverlayVm } from '../domain/policy/overlay.js';
import type { AccessRequest, AuditEvent, AuditEventName, RequestState, SystemEvent } from '../domain/types.js';

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * A message that a state change causes. Written to the outbox in the same
 * transaction as the change; delivered later by the outbox worker. It carries a
 * snapshot of the request so rendering never needs another read.
 */
export type Notification =
  /** `request.created` starts the request's audit thread; every later event is a reply in it. */
  | { kind: 'audit'; event: AuditEvent; request: AccessRequest }
  /** Ask for approval in one place: the approval channel or one approver's DM. */
  | { kind: 'approval_request'; target: string; request: AccessRequest }
  /** Rewrite every approval message of the request in place (decided: buttons gone). */
  | { kind: 'approval_update'; request: AccessRequest }
  /** Nudge the approvers once, halfway to `timesOutAt`: a thread reply under every approval message. */
  | { kind: 'approval_reminder'; request: AccessRequest; timesOutAt: number }
  /** Something needs a human now (a port that will not close): a top-level, loud audit-channel message. */
  | { kind: 'alert'; event: AuditEvent; request: AccessRequest }
  /** A break-glass grant: a loud top-level audit message with an Acknowledge button (kept as the request's approval message). */
  | { kind: 'break_glass'; request: AccessRequest }
  /**
   * Tell the requester what just happened to their request. For an active grant
   * (`grant.opened`, `grant.extended`, `grant.expiry_warning`) the DM carries the
   * grant's buttons (`Extend`, and `Revoke now` except on the warning).
   */
  | { kind: 'requester_dm'; event: AuditEventName; request: AccessRequest }
  /** An event of the bot itself (drift no request explains): a top-level audit-channel message. */
  | { kind: 'system'; event: SystemEvent };

/** The request a notification belongs to; the bot's own events belong to none. */
export function requestIdOf(notification: Notification): string | undefined {
  return notification.kind === 'system' ? undefined : notification.request.id;
}

/** Where a posted Slack message lives, so later notifications can thread or update. */
export interface MessageRef {
  requestId: string;
  role: 'audit' | 'approval';
  channel: string;
  ts: string;
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

/**
 * One message an outbox row posts, by step name (`audit`, `dm`, `reminder:C1`…).
 * `claimedAt` is written before the post, `ts` right after Slack accepts it.
 */
export interface PostRecord {
  step: string;
  channel: string;
  claimedAt: number;
  ts?: string;
}

/**
 * What one outbox row has posted so far, kept in the store so a retry (after a
 * failure or a crash) updates those messages instead of posting them again.
 */
export interface PostJournal {
  /** The outbox row's id: posts carry it as message metadata, to be found again. */
  readonly rowId: number;
  posts(): PostRecord[];
  /** Before posting: the step is about to be posted to `channel`. */
  claim(step: string, channel: string): void;
  /** After posting: where Slack put it. */
  record(step: string, channel: string, ts: string): void;
}

export interface Notifier {
  /**
   * Delivers one notification. `refs` are the request's messages posted so far;
   * the result lists messages this call posted, for the store to remember.
   * Every post goes through `journal`, so a retry never posts a step twice.
   * Throws on failure; a `retryAfter` property (seconds) on the error is honoured.
   */
  deliver(notification: Notification, refs: MessageRef[], journal: PostJournal): Promise<MessageRef[]>;
}

/** Slack user groups, as far as authorisation needs them. */
export interface Directory {
  /** Which of `groups` (user-group IDs) the user belongs to. */
  groupsOf(user: string, groups: string[]): Promise<string[]>;
  /** Members of one user group. */
  membersOf(group: string): Promise<string[]>;
}

export interface RequestFilter {
  requester?: string;
  states?: RequestState[];
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

export interface Store {
  /** Inserts a new request with its first audit event and notifications, in one transaction. Throws JitError jit_store_failed with cause `duplicate_id` when the id exists. */
  insertRequest(request: AccessRequest, events: AuditEvent[], notifications: Notification[]): AccessRequest;
  /**
   * Inserts several new requests (one batch) with their events and notifications,
   * all in one transaction: all are stored or none. Throws like insertRequest when
   * any id exists.
   */
  insertRequests(items: NewRequest[]): AccessRequest[];
  getRequest(id: string): AccessRequest | undefined;
  /**
   * Writes `next` (its version becomes expected.version + 1) with its audit
   * events and notifications in one transaction, only if the stored row still
   * matches `expected`. Returns the stored request, or undefined when another
   * writer got there first (nothing is written then).
   */
  transition(expected: Expected, next: AccessRequest, events: AuditEvent[], notifications: Notification[]): AccessRequest | undefined;
  listRequests(filter: RequestFilter): AccessRequest[];
  /** Active requests with endAt <= now, and every request in `closing`. */
  dueForClose(now: number): AccessRequest[];
  /** Every request's audit events, oldest first; of one request when given. */
  auditEvents(requestId?: string): AuditEvent[];
  /**
   * Writes an event of the bot itself (drift) with its notifications in one
   * transaction, into the same hash-chained audit log as request events.
   */
  recordSystemEvent(event: SystemEvent, notifications: Notification[]): void;
  /** The bot's own audit events, oldest first. */
  systemEvents(): SystemEvent[];
  /** Every audit event at or after `at` (epoch ms), oldest first, the bot's own (no requestId) among them: the audit export's window. */
  auditEventsSince(at: number): Array<AuditEvent | SystemEvent>;

  /**
   * Saves a VM an admin enabled or edited from Slack (replacing the entry of the
   * same name, ignoring case) with its audit event and notifications, in one transaction.
   */
  saveOverlayVm(entry: OverlayVm, event: SystemEvent, notifications: Notification[]): void;
  /** The Slack overlay over the policy file, in the order the VMs were first saved. */
  overlayVms(): OverlayVm[];
  /** Drops an entry the policy file now says the same as; returns whether one was there. */
  retireOverlayVm(name: string): boolean;

  /** Undelivered outbox rows in id order (due or not: the worker keeps per-request order). */
  pendingOutbox(limit: number): OutboxRow[];
  markDelivered(rowId: number, refs: MessageRef[]): void;
  markRetry(rowId: number, error: string, nextAttemptAt: number): void;
  messageRefs(requestId: string): MessageRef[];
  /** What an outbox row has posted (or was about to post) so far. */
  outboxPosts(rowId: number): PostRecord[];
  claimPost(rowId: number, step: string, channel: string, at: number): void;
  recordPost(rowId: number, step: string, channel: string, ts: string): void;

  /**
   * Records the address a "Use my IP" link captured. Returns false, writing
   * nothing, when that link's nonce was already used (links work once).
   */
  recordSourceLink(nonce: string, user: string, address: string, at: number): boolean;
  /** The address the user's most recent link recorded at or after `since`. */
  recentSource(user: string, since: number): string | undefined;

  /** Cheap liveness probe for /healthz. */
  ping(): boolean;
  close(): void;
}
