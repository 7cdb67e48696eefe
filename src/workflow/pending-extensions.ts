// An extension waiting for approval belongs to one open grant. When that grant
// starts closing (revoked, expired), the extension has nothing left to extend:
// it is cancelled in the same breath, so approvers stop seeing buttons for it
// and the requester hears why. An approval that still wins a race with the
// close fails cleanly when it is applied (see extension-approval.ts).
//
// No lock is taken here: the caller holds the original's lock, and the
// extension's lock is taken by its approval before the original's, so waiting
// for it here could deadlock. The compare-and-swap alone decides that race.

import type { AccessRequest } from '../domain/types.js';
import { announce, auditEvent, type WorkflowContext } from './context.js';

/** The extension of `id` still waiting for approval (or approved and about to be applied), if any. */
export async function openExtensionOf(ctx: WorkflowContext, id: string): Promise<AccessRequest | undefined> {
  const [open] = await ctx.store.listRequests({ extends: id, states: ['pending', 'approved'] });
  return open;
}

/** Cancels every pending extension of `original`; `why` is `revoked` or `expired`. */
export async function cancelPendingExtensions(ctx: WorkflowContext, original: AccessRequest, why: string): Promise<AccessRequest[]> {
  const cancelled: AccessRequest[] = [];
  for (const extension of await ctx.store.listRequests({ extends: original.id, states: ['pending'] })) {
    const reason = `#${original.id} was ${why} before the extension was decided`;
    const next: AccessRequest = { ...extension, state: 'cancelled', decidedBy: 'system', reason };
    const event = auditEvent('request.cancelled', next, 'system', ctx.clock.now(), reason);
    const expected = { id: extension.id, state: extension.state, version: extension.version };
    const stored = await ctx.store.transition(expected, next, [event], announce(event, next, { dm: true, updateApproval: true }));
    if (!stored) continue;
    ctx.listener.ended?.(stored);
    ctx.logger.info(`request ${extension.id}: extension cancelled, #${original.id} was ${why}`);
    cancelled.push(stored);
  }
  if (cancelled.length > 0) ctx.listener.notified?.();
  return cancelled;
}
