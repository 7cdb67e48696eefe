// Use cases on a whole batch, through its leader's id (the id on the approval
// message's buttons and the one the requester is told to cancel): Approve, Deny
// and Cancel act on every pending member the user may act on, each member with
// its own compare-and-swap, quorum and grant, exactly as for a single request.
// Revoke and extend stay per member: each grant is closed on its own.

import { isJitError } from '../domain/errors.js';
import { batchIdOf } from '../domain/request-kind.js';
import type { AccessRequest } from '../domain/types.js';
import { load } from './commit.js';
import type { WorkflowContext } from './context.js';
import { approve, type DecideResult, deny } from './decide-request.js';
import { cancel } from './end-request.js';

/** Whether `id` is the leader of a batch (so a click on it speaks for every member). */
export async function isBatchLeader(ctx: WorkflowContext, id: string): Promise<boolean> {
  const request = await ctx.store.getRequest(id);
  return request !== undefined && batchIdOf(request) === id;
}

export async function batchMembers(ctx: WorkflowContext, batchId: string): Promise<AccessRequest[]> {
  return ctx.store.listRequests({ batchId });
}

/** Approves every pending member the user may approve; refused as usual when that is none. */
export async function approveBatch(ctx: WorkflowContext, batchId: string, user: string): Promise<DecideResult> {
  const members = await eachPending(ctx, batchId, (id) => approve(ctx, id, user));
  if (members === undefined) return approve(ctx, batchId, user);
  const outcome = members.some((m) => m.outcome === 'approved') ? 'approved' : 'approval_added';
  return { outcome, request: await load(ctx, batchId), members };
}

/** Denies every pending member the user may deny; refused as usual when that is none. */
export async function denyBatch(ctx: WorkflowContext, batchId: string, user: string, reason?: string): Promise<DecideResult> {
  const members = await eachPending(ctx, batchId, (id) => deny(ctx, id, user, reason));
  if (members === undefined) return deny(ctx, batchId, user, reason);
  const outcome = members.some((m) => m.outcome === 'denied') ? 'denied' : 'denial_added';
  return { outcome, request: await load(ctx, batchId), members };
}

/**
 * The requester withdraws every pending member of the batch; resolves with the
 * members cancelled. Refused as usual (for the leader) when none is pending.
 */
export async function cancelBatch(ctx: WorkflowContext, batchId: string, user: string): Promise<AccessRequest[]> {
  if ((await load(ctx, batchId)).requester !== user) return [await cancel(ctx, batchId, user)];
  const cancelled = await eachPending(ctx, batchId, (id) => cancel(ctx, id, user));
  return cancelled ?? [await cancel(ctx, batchId, user)];
}

/**
 * Runs `act` on each pending member in order. A refusal of one member (not this
 * user's to approve, decided a moment ago) skips it; when every member was refused
 * the first refusal is thrown. Undefined when no member is pending.
 */
async function eachPending<T>(ctx: WorkflowContext, batchId: string, act: (id: string) => Promise<T>): Promise<T[] | undefined> {
  const pending = (await batchMembers(ctx, batchId)).filter((member) => member.state === 'pending');
  if (pending.length === 0) return undefined;
  const done: T[] = [];
  let refusal: unknown;
  for (const member of pending) {
    try {
      done.push(await act(member.id));
    } catch (error) {
      if (!isJitError(error)) throw error;
      refusal ??= error;
    }
  }
  if (done.length === 0) throw refusal;
  return done;
}
