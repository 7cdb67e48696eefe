// Use case: shortly before a grant ends, its requester gets a DM with an
// `Extend` button. Once per end: the end warned about is stored on the request
// in the same compare-and-swap as the audit event and the DM, so a restart, a
// second timer or a second process never warns twice for it.

import { expiryWarned } from '../domain/changes/grant.js';
import { expiryWarningDue } from '../domain/extension.js';
import type { AccessRequest } from '../domain/types.js';
import { commit } from './commit.js';
import type { WorkflowContext } from './context.js';

export const DEFAULT_EXPIRY_WARNING_MS = 5 * 60_000;

export function expiryWarningMs(ctx: WorkflowContext): number {
  return ctx.settings.expiryWarningMs ?? DEFAULT_EXPIRY_WARNING_MS;
}

/** Sends the warning if it is owed now; otherwise changes nothing. Resolves with the request as stored. */
export function warnExpiry(ctx: WorkflowContext, id: string): Promise<AccessRequest | undefined> {
  return ctx.lock.run(id, async () => {
    const current = await ctx.store.getRequest(id);
    const now = ctx.clock.now();
    if (current?.kind !== 'grant' || current.endAt === undefined || !expiryWarningDue(current, expiryWarningMs(ctx), now)) return current;
    const stored = await commit(ctx, current, expiryWarned({ ...current, endAt: current.endAt }, now));
    if (stored) ctx.logger.info(`request ${id}: requester warned that access ends ${new Date(current.endAt).toISOString()}`);
    return stored ?? (await ctx.store.getRequest(id));
  });
}
