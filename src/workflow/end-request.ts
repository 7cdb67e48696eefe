// Use cases: the requester withdraws a pending request; the requester or an
// approver ends a grant early.

import { JitError } from '../domain/errors.js';
import type { AccessRequest } from '../domain/types.js';
import { announce, auditEvent, type WorkflowContext } from './context.js';
import { groupIds } from './create-request.js';
import { load } from './decide-request.js';
import { beginClose, closeUnlocked, expectedOf } from './grant.js';

export function cancel(ctx: WorkflowContext, id: string, user: string): Promise<AccessRequest> {
  return ctx.lock.run(id, async () => {
    const current = await load(ctx, id);
    if (current.requester !== user) {
      throw new JitError('jit_not_allowed', `Only the requester can cancel request #${id}. Approvers can deny it from the approval message.`);
    }
    if (current.state === 'approved' || current.state === 'active') {
      throw new JitError('jit_wrong_state', `Request #${id} is already ${current.state}: use \`/jit revoke ${id}\` to close it now.`);
    }
    if (current.state !== 'pending') throw new JitError('jit_wrong_state', `Request #${id} is already ${current.state.replace('_', ' ')}; nothing to cancel.`);

    const next: AccessRequest = { ...current, state: 'cancelled', decidedBy: user };
    const event = auditEvent('request.cancelled', next, user, ctx.clock.now());
    const stored = await ctx.store.transition(expectedOf(current), next, [event], announce(event, next, { dm: true, updateApproval: true }));
    ctx.listener.notified?.();
    if (!stored) throw new JitError('jit_wrong_state', `Request #${id} changed while you cancelled it: check \`/jit list\`.`);
    ctx.listener.ended?.(stored);
    return stored;
  });
}

export function revoke(ctx: WorkflowContext, id: string, user: string): Promise<AccessRequest> {
  return ctx.lock.run(id, async () => {
    const current = await load(ctx, id);
    if (current.requester !== user && !(await isApprover(ctx, current, user))) {
      throw new JitError('jit_not_allowed', `Only the requester or an approver can revoke request #${id}.`);
    }
    if (current.state === 'pending') {
      throw new JitError('jit_wrong_state', `Request #${id} is still pending: use \`/jit cancel ${id}\` to withdraw it.`);
    }
    if (current.state === 'closing') return current;
    const closing = await beginClose(ctx, current, user, 'revoked');
    ctx.listener.notified?.();
    if (!closing) {
      throw new JitError('jit_wrong_state', `Request #${id} is ${current.state.replace('_', ' ')}; there is no open grant to revoke.`);
    }
    return (await closeUnlocked(ctx, closing)) ?? closing;
  });
}

/** Approvers named by the request's decision or, at this moment, by the policy's defaults. */
async function isApprover(ctx: WorkflowContext, request: AccessRequest, user: string): Promise<boolean> {
  const approvers = [...new Set([...request.decision.approvers, ...ctx.policy().approvers])];
  if (approvers.includes(user)) return true;
  const groups = await ctx.directory.groupsOf(user, groupIds(approvers));
  return groups.length > 0;
}
