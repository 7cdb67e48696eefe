// Use cases: an approver clicks Approve or Deny. Authorised at the moment of
// the click (authorize.ts: the request's approvers, and the policy as it is
// now); one compare-and-swap decides every race. Where the rule says a Deny
// does not end the request (`denyEndsRequest: false`), a Deny is recorded like
// an approval is, and the request keeps waiting for the quorum or its timeout.

import { approval, denial } from '../domain/changes/decide.js';
import { type JitError, refuse } from '../domain/errors.js';
import type { AccessRequest } from '../domain/types.js';
import { requireRight } from './access.js';
import { commit, load, withRequest } from './commit.js';
import type { WorkflowContext } from './context.js';
import { crashPoint } from './crash-points.js';
import { applyExtension } from './extension-approval.js';
import { activate } from './grant.js';

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
  const decided = await withRequest(ctx, id, async (current) => {
    await requireRight(ctx, user, 'approve', current);
    const change = approval(current, user, ctx.clock.now());
    if (change.next.state === 'approved') crashPoint('approving-before-commit');
    const stored = await commit(ctx, current, change);
    if (!stored) throw await lostRace(ctx, id);
    ctx.logger.info(`request ${id}: ${change.events[0]?.name} by ${user}`);
    return stored;
  });
  if (decided.state !== 'approved') return { outcome: 'approval_added', request: decided };
  // An approved extension opens nothing of its own: it moves its original's end.
  if (decided.kind === 'extension') return { outcome: 'approved', request: (await applyExtension(ctx, decided.id)) ?? decided };
  return { outcome: 'approved', request: await activate(ctx, decided) };
}

export function deny(ctx: WorkflowContext, id: string, user: string, reason?: string): Promise<DecideResult> {
  return withRequest(ctx, id, async (current) => {
    await requireRight(ctx, user, 'deny', current);
    const stored = await commit(ctx, current, denial(current, user, ctx.clock.now(), reason));
    if (!stored) throw await lostRace(ctx, id);
    const ended = stored.state === 'denied';
    ctx.logger.info(ended ? `request ${id}: denied by ${user}` : `request ${id}: denial added by ${user}, still pending`);
    return { outcome: ended ? 'denied' : 'denial_added', request: stored };
  });
}

/** Another writer changed the request between the read and the compare-and-swap: say what it is now. */
async function lostRace(ctx: WorkflowContext, id: string): Promise<JitError> {
  const { state, decidedBy } = await load(ctx, id);
  if (state === 'pending') return refuse('decision_raced', { id });
  return refuse('already_decided', decidedBy === undefined ? { id, state } : { id, state, decidedBy });
}
