// Authorisation for every use case, through the one function that answers it
// (domain/authorize.ts): resolve the user-group memberships that can matter,
// then ask. A lookup that fails counts as "not a member" (the directory fails
// closed), so a Slack outage can refuse a click but never allow one.

import { type AccessRules, authorize, groupsToCheck, type Right, type Verdict } from '../domain/authorize.js';
import { refusalToError } from '../domain/errors.js';
import type { AccessRequest } from '../domain/types.js';
import type { WorkflowContext } from './context.js';

/** Who may do what, as the policy and the environment (JIT_ADMINS, JIT_READERS) say right now. */
export function accessRules(ctx: Pick<WorkflowContext, 'policy' | 'settings'>): AccessRules {
  return {
    policy: ctx.policy(),
    ...(ctx.settings.admins ? { admins: ctx.settings.admins } : {}),
    ...(ctx.settings.readers ? { readers: ctx.settings.readers } : {}),
  };
}

export async function verdictOf(ctx: WorkflowContext, user: string, right: Right, request?: AccessRequest): Promise<Verdict> {
  const rules = accessRules(ctx);
  // Memberships only ever grant: someone named directly needs no directory lookup.
  const direct = authorize({ user, groups: [] }, right, request, rules);
  if (direct.ok) return direct;
  const wanted = groupsToCheck(right, request, rules);
  if (wanted.length === 0 || typeof user !== 'string' || user === '') return direct;
  return authorize({ user, groups: await ctx.directory.groupsOf(user, wanted) }, right, request, rules);
}

/** Resolves when the user may; otherwise throws the refusal to tell them. */
export async function requireRight(ctx: WorkflowContext, user: string, right: Right, request?: AccessRequest): Promise<void> {
  const verdict = await verdictOf(ctx, user, right, request);
  if (!verdict.ok) throw refusalToError(verdict.refusal);
}
