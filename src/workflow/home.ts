// Use cases behind the App Home: what one user sees there. Read-only.

import { authorize, groupsToCheck } from '../domain/authorize.js';
import type { Inventory } from '../domain/inventory.js';
import { LIVE_STATES } from '../domain/lifecycle.js';
import type { AccessRequest } from '../domain/types.js';
import { accessRules, verdictOf } from './access.js';
import type { WorkflowContext } from './context.js';
import { readInventory } from './inventory.js';

export interface HomeData {
  inventory: Inventory;
  /** The user's own pending, approved, active and closing requests, newest first. */
  mine: AccessRequest[];
  /** Pending requests this user may approve right now, newest first. */
  awaiting: AccessRequest[];
  /** May enable JIT on VMs the policy does not cover yet. */
  isAdmin: boolean;
  now: number;
}

export async function homeOf(ctx: WorkflowContext, user: string): Promise<HomeData> {
  const [inventory, awaiting, admin] = await Promise.all([readInventory(ctx), awaitingApprovalBy(ctx, user), isAdmin(ctx, user)]);
  const mine = await ctx.store.listRequests({ requester: user, states: LIVE_STATES });
  return { inventory, mine, awaiting, isAdmin: admin, now: ctx.clock.now() };
}

/**
 * Pending requests whose Approve button would work for this user now: each
 * asked of authorize() as the click itself would be, with the user's groups
 * read once for all of them.
 */
export async function awaitingApprovalBy(ctx: WorkflowContext, user: string): Promise<AccessRequest[]> {
  if (typeof user !== 'string' || user === '') return [];
  const pending = await ctx.store.listRequests({ states: ['pending'] });
  if (pending.length === 0) return [];
  const rules = accessRules(ctx);
  const wanted = [...new Set(pending.flatMap((request) => groupsToCheck('approve', request, rules)))];
  const groups = wanted.length > 0 ? await ctx.directory.groupsOf(user, wanted) : [];
  return pending.filter((request) => authorize({ user, groups }, 'approve', request, rules).ok);
}

/** An admin is named in JIT_ADMINS, or in the policy's `admins` (directly or through a user group). */
export async function isAdmin(ctx: WorkflowContext, user: string): Promise<boolean> {
  return (await verdictOf(ctx, user, 'admin')).ok;
}
