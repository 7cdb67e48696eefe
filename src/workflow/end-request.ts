// Use cases: the requester withdraws a pending request; the requester or an
// approver ends a grant early.

import { cancellation } from '../domain/changes/decide.js';
import { refuse } from '../domain/errors.js';
import type { AccessRequest } from '../domain/types.js';
import { requireRight } from './access.js';
import { commit, withRequest } from './commit.js';
import type { WorkflowContext } from './context.js';
import { beginClose, closeUnlocked } from './grant.js';

export function cancel(ctx: WorkflowContext, id: string, user: string): Promise<AccessRequest> {
  return withRequest(ctx, id, async (current) => {
    await requireRight(ctx, user, 'cancel', current);
    const stored = await commit(ctx, current, cancellation(current, user, ctx.clock.now()));
    if (!stored) throw refuse('cancel_raced', { id });
    return stored;
  });
}

export function revoke(ctx: WorkflowContext, id: string, user: string): Promise<AccessRequest> {
  return withRequest(ctx, id, async (current) => {
    await requireRight(ctx, user, 'revoke', current);
    // Already on its way out: revoking again changes nothing.
    if (current.state === 'closing' || current.kind !== 'grant') return current;
    const closing = await beginClose(ctx, current, user, 'revoked');
    if (!closing) throw refuse('revoke_nothing_open', { id, state: current.state });
    return (await closeUnlocked(ctx, closing)) ?? closing;
  });
}
