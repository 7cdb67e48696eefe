// Use cases: an approver clicks Approve or Deny. Authorised against the request's
// decision at the moment of the click; one compare-and-swap decides every race.
// Where the rule says a Deny does not end the request (`denyEndsRequest: false`),
// a Deny is recorded like an approval is, and the request keeps waiting for the
// quorum or its timeout. One person is either an approver or a denier, never both.

import { JitError } from '../domain/errors.js';
import { approvalComplete, mayApprove } from '../domain/rules.js';
import type { AccessRequest } from '../domain/types.js';
import { announce, auditEvent, type WorkflowContext } from './context.js';
import { crashPoint } from './crash-points.js';
import { groupIds } from './create-request.js';
import { applyExtension } from './extension-approval.js';
import { activate, expectedOf } from './grant.js';

export type DecideResult =
  /**
   * The click changed the request: `approved` when the quorum is complete,
   * `denial_added` when a Deny was recorded but the request is still pending.
   */
  {
    outcome: 'approval_added' | 'approved' | 'denied' | 'denial_added';
    request: AccessRequest;
    /** A click on a batch: what it did to each member it changed (`request` is then the leader). */
    members?: DecideResult[];
  };

export async function approve(ctx: WorkflowContext, id: string, user: string): Promise<DecideResult> {
  const decided = await ctx.lock.run(id, async () => {
    const current = await load(ctx, id);
    const groups = await approverGroupsOf(ctx, user, current);
    const verdict = mayApprove(user, groups, current);
    if (!verdict.ok) throw refusal(current, verdict.reason);
    requireStillApprover(ctx, user, groups, id);
    if (current.denials?.includes(user)) {
      throw new JitError('jit_not_allowed', `You denied request #${id}, so you cannot also approve it.`);
    }

    const now = ctx.clock.now();
    const approvals = [...current.approvals, user];
    const complete = approvalComplete({ ...current, approvals });
    const next: AccessRequest = complete ? { ...current, approvals, state: 'approved', decidedBy: user } : { ...current, approvals };
    const event = auditEvent(
      complete ? 'request.approved' : 'request.approval_added',
      next,
      user,
      now,
      `${approvals.length} of ${current.decision.approvalsNeeded}`,
    );
    if (complete) crashPoint('approving-before-commit');
    const stored = await ctx.store.transition(expectedOf(current), next, [event], announce(event, next, { dm: true, updateApproval: true }));
    ctx.listener.notified?.();
    if (!stored) throw refusal(await load(ctx, id), 'someone else acted on it at the same moment');
    ctx.logger.info(`request ${id}: ${event.name} by ${user}`);
    return stored;
  });
  if (decided.state !== 'approved') return { outcome: 'approval_added', request: decided };
  // An approved extension opens nothing of its own: it moves its original's end.
  if (decided.extends !== undefined) return { outcome: 'approved', request: (await applyExtension(ctx, decided.id)) ?? decided };
  return { outcome: 'approved', request: await activate(ctx, decided) };
}

export function deny(ctx: WorkflowContext, id: string, user: string, reason?: string): Promise<DecideResult> {
  return ctx.lock.run(id, async () => {
    const current = await load(ctx, id);
    if (current.requester === user) {
      throw new JitError('jit_not_allowed', `You cannot deny your own request #${id}: use \`/jit cancel ${id}\` to withdraw it.`);
    }
    const groups = await approverGroupsOf(ctx, user, current);
    if (!current.decision.approvers.some((id) => id === user || groups.includes(id))) {
      throw new JitError('jit_not_approver', `You are not an approver for request #${id}, so you cannot deny it.`);
    }
    requireStillApprover(ctx, user, groups, id);
    if (current.state !== 'pending') throw refusal(current, `it is already ${current.state}`);
    if (current.decision.denyEndsRequest === false) return addDenial(ctx, current, user, reason);

    const next: AccessRequest = { ...current, state: 'denied', decidedBy: user, ...(reason ? { reason } : {}) };
    const event = auditEvent('request.denied', next, user, ctx.clock.now(), reason);
    const stored = await ctx.store.transition(expectedOf(current), next, [event], announce(event, next, { dm: true, updateApproval: true }));
    ctx.listener.notified?.();
    if (!stored) throw refusal(await load(ctx, id), 'someone else acted on it at the same moment');
    ctx.listener.ended?.(stored);
    ctx.logger.info(`request ${id}: denied by ${user}`);
    return { outcome: 'denied', request: stored };
  });
}

/** Records a Deny that leaves the request pending, so the others can still reach the quorum. Callers hold the lock. */
async function addDenial(ctx: WorkflowContext, current: AccessRequest, user: string, reason?: string): Promise<DecideResult> {
  const { id } = current;
  if (current.approvals.includes(user)) {
    throw new JitError('jit_not_allowed', `You approved request #${id}, so you cannot also deny it.`);
  }
  const denials = current.denials ?? [];
  if (denials.includes(user)) {
    throw new JitError('jit_not_allowed', `You have already denied request #${id}; it still waits for the other approvers.`);
  }
  const next: AccessRequest = { ...current, denials: [...denials, user] };
  const event = auditEvent('request.denial_added', next, user, ctx.clock.now(), reason);
  const stored = await ctx.store.transition(expectedOf(current), next, [event], announce(event, next, { dm: true, updateApproval: true }));
  ctx.listener.notified?.();
  if (!stored) throw refusal(await load(ctx, id), 'someone else acted on it at the same moment');
  ctx.logger.info(`request ${id}: denial added by ${user}, still pending`);
  return { outcome: 'denial_added', request: stored };
}

/** Every approver the policy names right now: the root's and each rule's. */
function policyApprovers(ctx: WorkflowContext): string[] {
  const policy = ctx.policy();
  return [...new Set([...policy.approvers, ...policy.rules.flatMap((rule) => rule.approvers ?? [])])];
}

/** The user's memberships among the groups that matter: the request's approvers and the policy's. */
export function approverGroupsOf(ctx: WorkflowContext, user: string, request: AccessRequest): Promise<string[]> {
  return ctx.directory.groupsOf(user, groupIds([...request.decision.approvers, ...policyApprovers(ctx)]));
}

/**
 * The request's decision named its approvers when it was made; a click is also
 * checked against the policy at this moment, so someone removed from it (or
 * from the group it names) cannot decide requests made before the change.
 */
export function requireStillApprover(ctx: WorkflowContext, user: string, groups: string[], id: string): void {
  if (policyApprovers(ctx).some((approver) => approver === user || groups.includes(approver))) return;
  throw new JitError('jit_not_approver', `You are no longer an approver in the current policy, so you cannot decide request #${id}.`);
}

export async function load(ctx: WorkflowContext, id: string): Promise<AccessRequest> {
  const request = await ctx.store.getRequest(id);
  if (!request) throw new JitError('jit_not_found', `There is no request #${id}. Check the ID with \`/jit list\`.`);
  return request;
}

function refusal(request: AccessRequest, why: string): JitError {
  const state =
    request.state === 'pending'
      ? why
      : `it is already ${request.state.replace('_', ' ')}${request.decidedBy && request.decidedBy !== 'system' ? ` (by <@${request.decidedBy}>)` : ''}`;
  return new JitError(request.state === 'pending' ? 'jit_not_approver' : 'jit_wrong_state', `Request #${request.id} was not changed: ${state}.`);
}
