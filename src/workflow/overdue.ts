// The overdue watch: what the replica that leads checks every second, so the
// grants of a replica that died are still closed on time and their requesters
// still warned. Each grant's own timers (on the replica that opened it) act
// first; this catches what they missed: a grant still active `graceMs` after
// its end is closed, and an expiry warning owed and not sent is sent. Both go
// through the request's lock and a compare-and-swap, so a timer and the watch
// arriving together close once and warn once.

import { expiryWarningDue } from '../domain/extension.js';
import type { WorkflowContext } from './context.js';
import { expiryWarningMs, warnExpiry } from './expiry-warning.js';
import { expire, isExpiring } from './grant.js';
import { eachConcurrently } from './sweep.js';

export interface OverdueReport {
  closed: number;
  warned: number;
}

/** How late a grant may be before the watch closes it: its timer goes first. */
export const OVERDUE_GRACE_MS = 1000;

/** Overdue grants handled at once; the rest wait for the next second. */
const WATCH_CONCURRENCY = 64;

export async function watchOverdue(ctx: WorkflowContext, graceMs = OVERDUE_GRACE_MS): Promise<OverdueReport> {
  const now = ctx.clock.now();
  const warningMs = expiryWarningMs(ctx);
  const report = { closed: 0, warned: 0 };
  // Their times only: every second, a window of thousands of grants must not mean thousands of parsed requests.
  const grants = (await ctx.store.activeEnds(now + Math.max(warningMs, 0))).filter((request) => request.kind === 'grant');
  // A grant whose expiry this process is confirming is still active until it commits (grant.ts, confirmExpiry): not late, under way.
  const late = grants.filter((grant) => grant.endAt <= now - graceMs && !isExpiring(ctx, grant.id));
  const unwarned = grants.filter((grant) => expiryWarningDue(grant, warningMs, now));
  await eachConcurrently(late, WATCH_CONCURRENCY, async (grant) => {
    const stored = await settled(ctx, () => expire(ctx, grant.id));
    if (stored?.state === 'closed') report.closed++;
  });
  await eachConcurrently(unwarned, WATCH_CONCURRENCY, async (grant) => {
    const stored = await settled(ctx, () => warnExpiry(ctx, grant.id));
    if (stored?.kind === 'grant' && stored.expiryWarnedFor === grant.endAt) report.warned++;
  });
  return report;
}

/** One grant's failure must not stop the watch of the others; the next second tries again. */
async function settled<T>(ctx: WorkflowContext, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    ctx.logger.error('overdue watch:', error);
    return undefined;
  }
}
