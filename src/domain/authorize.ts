// One answer to "may this user do X to this request", for every surface and
// use case (STYLE.md §4: decisions are data). Pure: the caller resolves the
// user's group memberships first (`groupsToCheck` says which ones can matter)
// and gets back either ok or the refusal to tell the user.
//
// Checks run in a fixed order per right and the first that fails is the
// answer; the order is the one the use cases have always refused in, so each
// situation keeps its sentence.

import { type ParamsOf, type Refusal, type RefusalCode, refusal } from './refusals.js';
import type { AccessRequest, Policy } from './types.js';
import { isGroupId } from './wording.js';
import { reviewOf } from './request-kind.js';

/** `view`: read one request as it stands (the REST API's GET): its requester, the approvers it names, admins and audit readers. */
export type Right = 'approve' | 'deny' | 'revoke' | 'extend' | 'cancel' | 'acknowledge' | 'view' | 'admin' | 'read_audit';

export interface Caller {
  user: string;
  /** The caller's memberships among `groupsToCheck(…)`. */
  groups: readonly string[];
}

export interface AccessRules {
  policy: Policy;
  /** JIT_ADMINS: user IDs. */
  admins?: readonly string[];
  /** JIT_READERS: user or user-group IDs. */
  readers?: readonly string[];
}

export type Verdict = { ok: true } | { ok: false; refusal: Refusal };

const OK: Verdict = Object.freeze({ ok: true });

type RequestRight = Exclude<Right, 'admin' | 'read_audit' | 'view'>;

/** Who the caller is to one request, worked out once. */
interface Standing {
  user: string;
  requester: boolean;
  /** Named by the request's decision, directly or through a group. */
  requestApprover: boolean;
  /** Named by the policy as it is now: its approvers or any rule's. */
  currentApprover: boolean;
  /** Named by the policy's default approvers. */
  rootApprover: boolean;
}

export function authorize(caller: Caller, right: Right, request: AccessRequest | undefined, rules: AccessRules): Verdict {
  if (right === 'admin') return mayAdminister(caller, rules);
  if (right === 'read_audit') return mayReadAudit(caller, rules);
  if (!isUserId(caller.user)) return no('unknown_caller', {});
  if (request === undefined) return no('request_missing', {});
  if (right === 'view') return mayView(caller, request, rules);
  return REQUEST_CHECKS[right](request, standingOf(caller, request, rules.policy));
}

/** The user-group IDs (S…) whose membership the answer can depend on, so the caller resolves only those. */
export function groupsToCheck(right: Right, request: AccessRequest | undefined, rules: AccessRules): string[] {
  switch (right) {
    case 'admin':
      return groupsAmong(rules.policy.admins ?? []);
    case 'read_audit':
      return groupsAmong(readersOf(rules));
    case 'cancel':
    case 'extend':
      return [];
    case 'view':
      return request === undefined ? [] : groupsAmong([...request.decision.approvers, ...(rules.policy.admins ?? []), ...readersOf(rules)]);
    default:
      return request === undefined ? [] : groupsAmong([...request.decision.approvers, ...currentApprovers(rules.policy)]);
  }
}

/** Everyone the policy names as an approver right now: the default approvers and each rule's. */
export function currentApprovers(policy: Policy): string[] {
  return [...new Set([...policy.approvers, ...policy.rules.flatMap((rule) => rule.approvers ?? [])])];
}

/** Everyone who may export the audit log: the policy's readers, then JIT_READERS, without repeats. */
export function readersOf(rules: AccessRules): string[] {
  return [...new Set([...(rules.policy.readers ?? []), ...(rules.readers ?? [])])];
}

const REQUEST_CHECKS: Record<RequestRight, (request: AccessRequest, caller: Standing) => Verdict> = {
  approve(request, caller) {
    const { id } = request;
    if (request.state !== 'pending') return alreadyDecided(request);
    if (caller.requester) return no('approve_own_request', { id });
    if (!caller.requestApprover) return no('approve_not_request_approver', { id, approvers: request.decision.approvers });
    if (request.approvals.includes(caller.user)) return no('approve_already_approved', { id });
    if (!caller.currentApprover) return no('not_current_approver', { id });
    if (request.denials?.includes(caller.user)) return no('approve_after_deny', { id });
    return OK;
  },

  deny(request, caller) {
    const { id } = request;
    if (caller.requester) return no('deny_own_request', { id });
    if (!caller.requestApprover) return no('deny_not_request_approver', { id });
    if (!caller.currentApprover) return no('not_current_approver', { id });
    if (request.state !== 'pending') return alreadyDecided(request);
    // Where one Deny ends the request, nobody's earlier click can still be in the way.
    if (request.decision.denyEndsRequest === false) {
      if (request.approvals.includes(caller.user)) return no('deny_after_approve', { id });
      if (request.denials?.includes(caller.user)) return no('deny_already_denied', { id });
    }
    return OK;
  },

  cancel(request, caller) {
    const { id, state } = request;
    if (!caller.requester) return no('cancel_not_requester', { id });
    if (state === 'approved' || state === 'active') return no('cancel_already_open', { id, state });
    if (state !== 'pending') return no('cancel_already_ended', { id, state });
    return OK;
  },

  /**
   * The requester, or an approver (of the request or by default) whom the
   * current policy still names: someone taken out of the policy can no longer
   * end other people's access either. They are told that, as for approve and
   * deny, rather than the generic sentence a stranger gets.
   */
  revoke(request, caller) {
    const { id, state } = request;
    if (!caller.requester) {
      if (!caller.requestApprover && !caller.rootApprover) return no('revoke_not_allowed', { id });
      if (!caller.currentApprover) return no('revoke_no_longer_approver', { id });
    }
    if (state === 'pending') return no('revoke_pending', { id });
    // An extension holds no grant of its own: it is cancelled while pending, and applied or failed once approved.
    if (request.kind === 'extension') return no('revoke_nothing_open', { id, state });
    // `closing`: already on its way; the use case answers it as a no-op.
    if (state === 'approved' || state === 'active' || state === 'closing') return OK;
    return no('revoke_nothing_open', { id, state });
  },

  extend(request, caller) {
    const { id, state } = request;
    if (!caller.requester) return no('extend_not_requester', { id });
    if (state !== 'active' || request.startAt === undefined || request.endAt === undefined) return no('extend_not_open', { id, state });
    return OK;
  },

  acknowledge(request, caller) {
    const { id, state } = request;
    if (request.decision.effect !== 'break_glass') return no('ack_not_break_glass', { id });
    if (state === 'denied' || state === 'cancelled' || state === 'timed_out') return no('ack_never_opened', { id, state });
    const review = reviewOf(request);
    if (review) return no('ack_already', { id, by: review.by });
    if (caller.requester) return no('ack_own_grant', { id });
    if (!caller.requestApprover) return no('ack_not_request_approver', { id });
    if (!caller.currentApprover) return no('not_current_approver', { id });
    return OK;
  },
};

function mayAdminister(caller: Caller, rules: AccessRules): Verdict {
  if (!isUserId(caller.user)) return no('not_admin', {});
  if (rules.admins?.includes(caller.user)) return OK;
  // JIT_ADMINS names users only; the policy's `admins` may name groups too.
  return names(rules.policy.admins ?? [], caller) ? OK : no('not_admin', {});
}

/**
 * Those the request concerns (its requester, the approvers its decision names,
 * whom the policy may since have dropped: they were asked) and those who see
 * everything (admins, audit readers). Anyone else is told there is no such
 * request, as for an id that does not exist: ids cannot be probed.
 */
function mayView(caller: Caller, request: AccessRequest, rules: AccessRules): Verdict {
  if (request.requester === caller.user || names(request.decision.approvers, caller)) return OK;
  if (mayAdminister(caller, rules).ok || mayReadAudit(caller, rules).ok) return OK;
  return no('not_found', { id: request.id });
}

function mayReadAudit(caller: Caller, rules: AccessRules): Verdict {
  const readers = readersOf(rules);
  return isUserId(caller.user) && names(readers, caller) ? OK : no('not_audit_reader', { readers });
}

function standingOf(caller: Caller, request: AccessRequest, policy: Policy): Standing {
  return {
    user: caller.user,
    requester: request.requester === caller.user,
    requestApprover: names(request.decision.approvers, caller),
    currentApprover: names(currentApprovers(policy), caller),
    rootApprover: names(policy.approvers, caller),
  };
}

function alreadyDecided(request: AccessRequest): Verdict {
  const { id, state, decidedBy } = request;
  return no('already_decided', decidedBy === undefined ? { id, state } : { id, state, decidedBy });
}

/** The list names the user, or one of the groups they belong to. */
function names(list: readonly string[], caller: Caller): boolean {
  return list.includes(caller.user) || caller.groups.some((group) => list.includes(group));
}

/** Callers hand over whatever a payload carried: only a non-empty string names anyone. */
function isUserId(user: unknown): user is string {
  return typeof user === 'string' && user !== '';
}

function groupsAmong(ids: readonly string[]): string[] {
  return [...new Set(ids.filter(isGroupId))];
}

function no<K extends RefusalCode>(code: K, params: ParamsOf<K>): Verdict {
  return { ok: false, refusal: refusal(code, params) };
}
