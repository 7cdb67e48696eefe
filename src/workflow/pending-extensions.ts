// An extension waiting for approval belongs to one open grant. When that grant
// starts closing (revoked, expired), the extension has nothing left to extend:
// it is cancelled in the same breath, so approvers stop seeing buttons for it
// and the requester hears why. An approval that still wins a race with the
// close fails cleanly when it is applied (see extension-approval.ts).
//
// No lock is taken here: the caller holds the original's lock, and the
// extension's lock is taken by its approval before the original's, so waiting
// for it here could deadlock. The compare-and-swap alone decides that race.

import { cancellation } from '../domain/changes/decide.js';
import type { AccessRequest, GrantRequest } from '../domain/types.js';
import { commit } from './commit.js';
import type { WorkflowContext } from './context.js';

/** The extension of `id` still waiting for approval (or approved and about to be applied), if any. */
export async function openExtensionOf(ctx: WorkflowContext, id: string): Promise<AccessRequest | undefined> {
  const [open] = await ctx.store.listRequests({ extends: id, states: ['pending', 'approved'] });
  return open;
}

/** Cancels every pending extension of `original`; `why` is `revoked` or `expired`. */
export async function cancelPendingExtensions(ctx: WorkflowContext, original: GrantRequest, why: string): Promise<AccessRequest[]> {
  return cancelEach(ctx, await ctx.store.listRequests({ extends: original.id, states: ['pending'] }), why);
}

/**
 * Cancels every pending extension of the grants `originals` (ids), all
 * `why` (expired): one read of the pending requests for the lot, where
 * cancelPendingExtensions reads once per grant. Called once they are closing
 * or closed, so no new extension of theirs can appear after the read.
 */
export async function cancelExtensionsOf(ctx: WorkflowContext, originals: ReadonlySet<string>, why: string): Promise<AccessRequest[]> {
  if (originals.size === 0) return [];
  const pending = await ctx.store.listRequests({ states: ['pending'] });
  return cancelEach(
    ctx,
    pending.filter((request) => request.kind === 'extension' && originals.has(request.extends)),
    why,
  );
}

/** Cancels each extension (compare-and-swap: one decided meanwhile is left as it is); resolves with those cancelled. */
async function cancelEach(ctx: WorkflowContext, requests: readonly AccessRequest[], why: string): Promise<AccessRequest[]> {
  const cancelled: AccessRequest[] = [];
  for (const extension of requests) {
    if (extension.kind !== 'extension') continue;
    const original = extension.extends;
    const stored = await commit(ctx, extension, cancellation(extension, 'system', ctx.clock.now(), `#${original} was ${why} before the extension was decided`));
    if (!stored) continue;
    ctx.logger.info(`request ${extension.id}: extension cancelled, #${original} was ${why}`);
    cancelled.push(stored);
  }
  return cancelled;
}
