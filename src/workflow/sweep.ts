// The backstop that runs every minute and at startup: remind the approvers of
// requests halfway to their timeout, time out stale pending requests, open what
// a crash left approved (or apply an approved extension), close what is past its
// end, then compare every backend with the store (reconcile.ts).

import { reminder, timeout } from '../domain/changes/decide.js';
import { batchIdOf } from '../domain/request-kind.js';
import type { AccessRequest } from '../domain/types.js';
import { commit } from './commit.js';
import type { WorkflowContext } from './context.js';
import { applyExtension } from './extension-approval.js';
import { expire, resumeApproved } from './grant.js';
import { DriftMemory, type ReconcileReport, reconcile } from './reconcile.js';

export interface SweepReport extends ReconcileReport {
  reminded: number;
  timedOut: number;
  resumed: number;
  closed: number;
  stillClosing: number;
}

export async function sweep(ctx: WorkflowContext, drift: DriftMemory = new DriftMemory()): Promise<SweepReport> {
  const report = { reminded: 0, timedOut: 0, resumed: 0, closed: 0, stillClosing: 0 };
  const now = ctx.clock.now();

  for (const request of await ctx.store.listRequests({ states: ['pending'] })) {
    if (pendingDeadline(ctx, request) <= now) {
      if (await timeOut(ctx, request.id)) report.timedOut++;
    } else if (reminderDue(ctx, request, now) && (await settle(ctx, request, () => remind(ctx, request.id)))) {
      report.reminded++;
    }
  }
  for (const request of await ctx.store.listRequests({ states: ['approved'] })) {
    // An approved extension a crash left unapplied is applied (or fails) like an approved request is opened.
    const resumed = await settle(ctx, request, () => (request.kind === 'extension' ? applyExtension(ctx, request.id) : resumeApproved(ctx, request.id)));
    if (resumed?.state === 'active') report.resumed++;
  }
  // Concurrently, a bounded number at a time: after an outage thousands can be
  // due, and a backend batches the closes that arrive together (nftables: one
  // transaction) instead of paying a read and a write for each in turn. Each
  // close still runs under its own request's lock.
  await eachConcurrently(await ctx.store.dueForClose(now), CLOSE_CONCURRENCY, async (request) => {
    const result = await settle(ctx, request, () => expire(ctx, request.id));
    if (result?.state === 'closed') report.closed++;
    else if (result?.state === 'closing') report.stillClosing++;
  });
  return { ...report, ...(await reconcile(ctx, drift)) };
}

/** Due grants the sweep closes at the same time: their store commits and backend closes are batched (commit.ts, the backend). */
const CLOSE_CONCURRENCY = 256;

/** Runs `work` on every item, at most `limit` at a time; resolves when all are done. */
export async function eachConcurrently<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** One request's failure must not stop the sweep of the others. */
async function settle(ctx: WorkflowContext, request: AccessRequest, work: () => Promise<AccessRequest | undefined>): Promise<AccessRequest | undefined> {
  try {
    return await work();
  } catch (error) {
    ctx.logger.error(`sweep: request ${request.id} (${request.state}) failed:`, error);
    return undefined;
  }
}

/** The matched rule's pending timeout (requests stored before rules had one: the default). */
export function pendingDeadline(ctx: WorkflowContext, request: AccessRequest): number {
  return request.createdAt + pendingTimeoutMs(ctx, request);
}

function pendingTimeoutMs(ctx: WorkflowContext, request: AccessRequest): number {
  return request.decision.pendingTimeoutSeconds === undefined ? ctx.settings.pendingTimeoutMs : request.decision.pendingTimeoutSeconds * 1000;
}

/** A pending request earns one reminder, from halfway to its timeout until the timeout itself. */
export function reminderDue(ctx: WorkflowContext, request: AccessRequest, now: number): boolean {
  if (request.state !== 'pending' || request.remindedAt !== undefined) return false;
  const halfway = request.createdAt + pendingTimeoutMs(ctx, request) / 2;
  return halfway <= now && now < pendingDeadline(ctx, request);
}

/**
 * Reminds the approvers once. `remindedAt` is written in the same compare-and-swap
 * as the audit event and the reminder, so a restart or a concurrent sweep (in this
 * process or another) never reminds twice. Resolves with the stored request, or
 * undefined when nothing was owed or another writer got there first.
 */
function remind(ctx: WorkflowContext, id: string): Promise<AccessRequest | undefined> {
  return ctx.lock.run(id, async () => {
    const current = await ctx.store.getRequest(id);
    const now = ctx.clock.now();
    if (!current || !reminderDue(ctx, current, now)) return undefined;
    const timesOutAt = pendingDeadline(ctx, current);
    // A batch shares its approval messages: one member reminds for all (no N replies).
    const stored = await commit(ctx, current, reminder(current, now, timesOutAt, await remindsForBatch(ctx, current)));
    if (stored) ctx.logger.info(`request ${id}: approvers reminded, it times out ${new Date(timesOutAt).toISOString()}`);
    return stored;
  });
}

function timeOut(ctx: WorkflowContext, id: string): Promise<boolean> {
  return ctx.lock.run(id, async () => {
    const current = await ctx.store.getRequest(id);
    const now = ctx.clock.now();
    if (current?.state !== 'pending' || pendingDeadline(ctx, current) > now) return false;
    return (await commit(ctx, current, timeout(current, now))) !== undefined;
  });
}

/**
 * Whether this pending request sends its batch's reminder: outside a batch always;
 * in one, only the first member still pending (the leader, unless it was decided).
 */
async function remindsForBatch(ctx: WorkflowContext, request: AccessRequest): Promise<boolean> {
  const batchId = batchIdOf(request);
  if (batchId === undefined) return true;
  const [first] = await ctx.store.listRequests({ batchId, states: ['pending'] });
  return first === undefined || first.id === request.id;
}
