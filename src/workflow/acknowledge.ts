// Use case: an approver reviews a break-glass grant after the fact. Until then
// it stays on the unreviewed list; the alert is updated in place once reviewed.

import { JitError } from '../domain/errors.js';
import type { AccessRequest } from '../domain/types.js';
import { announce, auditEvent, type WorkflowContext } from './context.js';
import { approverGroupsOf, load, requireStillApprover } from './decide-request.js';
import { expectedOf } from './grant.js';

export function acknowledge(ctx: WorkflowContext, id: string, user: string): Promise<AccessRequest> {
  return ctx.lock.run(id, async () => {
    const current = await load(ctx, id);
    if (current.decision.effect !== 'break_glass')
      throw new JitError('jit_wrong_state', `Request #${id} was not a break-glass grant; there is nothing to acknowledge.`);
    if (current.acknowledgedBy) throw new JitError('jit_wrong_state', `Break-glass grant #${id} was already acknowledged by <@${current.acknowledgedBy}>.`);
    if (current.requester === user) throw new JitError('jit_not_allowed', `You cannot review your own break-glass grant #${id}: another approver must.`);
    const groups = await approverGroupsOf(ctx, user, current);
    if (!current.decision.approvers.some((approver) => approver === user || groups.includes(approver))) {
      throw new JitError('jit_not_approver', `You are not an approver for break-glass grant #${id}, so you cannot acknowledge it.`);
    }
    requireStillApprover(ctx, user, groups, id);
    const now = ctx.clock.now();
    const next: AccessRequest = { ...current, acknowledgedBy: user, acknowledgedAt: now };
    const event = auditEvent('request.acknowledged', next, user, now);
    const stored = await ctx.store.transition(expectedOf(current), next, [event], announce(event, next, { dm: true, updateApproval: true }));
    ctx.listener.notified?.();
    if (!stored) throw new JitError('jit_wrong_state', `Break-glass grant #${id} changed while you acknowledged it: try again.`);
    return stored;
  });
}

/** Break-glass grants nobody has acknowledged yet, newest first. */
export async function unreviewed(ctx: WorkflowContext): Promise<AccessRequest[]> {
  return (await ctx.store.listRequests({})).filter(
    (request) => request.decision.effect === 'break_glass' && !request.acknowledgedBy && request.state !== 'failed',
  );
}
