// Use cases behind the App Home: what one user sees there. Read-only.

import type { Inventory } from '../domain/inventory.js';
import { mayApprove } from '../domain/rules.js';
import type { AccessRequest } from '../domain/types.js';
import type { WorkflowContext } from './context.js';
import { groupIds } from './create-request.js';
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
  const mine = await ctx.store.listRequests({ requester: user, states: ['pending', 'approved', 'active', 'closing'] });
  return { inventory, mine, awaiting, isAdmin: admin, now: ctx.clock.now() };
}

/**
 * Pending requests whose Approve button would work for this user now: the
 * same checks as the click (an approver of the request, still one in the
 * current policy, not the requester, not yet approved or denied by them).
 */
export async function awaitingApprovalBy(ctx: WorkflowContext, user: string): Promise<AccessRequest[]> {
  const pending = await ctx.store.listRequests({ states: ['pending'] });
  if (pending.length === 0) return [];
  const policy = ctx.policy();
  const current = [...policy.approvers, ...policy.rules.flatMap((rule) => rule.approvers ?? [])];
  const groups = await ctx.directory.groupsOf(user, groupIds([...pending.flatMap((request) => request.decision.approvers), ...current]));
  // Someone taken out of the policy keeps no queue, as their click would be refused.
  if (!current.some((approver) => approver === user || groups.includes(approver))) return [];
  return pending.filter((request) => mayApprove(user, groups, request).ok && !(request.denials ?? []).includes(user));
}

/** An admin is named in JIT_ADMINS, or in the policy's `admins` (directly or through a user group). */
export async function isAdmin(ctx: WorkflowContext, user: string): Promise<boolean> {
  if (typeof user !== 'string' || user === '') return false;
  if (ctx.settings.admins?.includes(user)) return true;
  const admins = ctx.policy().admins ?? [];
  if (admins.includes(user)) return true;
  const groups = groupIds(admins);
  return groups.length > 0 && (await ctx.directory.groupsOf(user, groups)).length > 0;
}
