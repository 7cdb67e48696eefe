// Use case: an approver reviews a break-glass grant after the fact. Until then
// it stays on the unreviewed list; the alert is updated in place once reviewed.

import { acknowledgement } from '../domain/changes/decide.js';
import { refuse } from '../domain/errors.js';
import { isBreakGlass, reviewOf } from '../domain/request-kind.js';
import type { AccessRequest } from '../domain/types.js';
import { requireRight } from './access.js';
import { commit, withRequest } from './commit.js';
import type { WorkflowContext } from './context.js';

export function acknowledge(ctx: WorkflowContext, id: string, user: string): Promise<AccessRequest> {
  return withRequest(ctx, id, async (current) => {
    await requireRight(ctx, user, 'acknowledge', current);
    if (!isBreakGlass(current)) throw refuse('ack_not_break_glass', { id });
    const stored = await commit(ctx, current, acknowledgement(current, user, ctx.clock.now()));
    if (!stored) throw refuse('ack_raced', { id });
    return stored;
  });
}

/** Break-glass grants nobody has acknowledged yet, newest first. */
export async function unreviewed(ctx: WorkflowContext): Promise<AccessRequest[]> {
  return (await ctx.store.listRequests({})).filter((request) => isBreakGlass(request) && !reviewOf(request) && request.state !== 'failed');
}
