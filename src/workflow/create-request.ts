// Use case: a requester asks for access. Validate, decide, store with its audit
// event and notifications in one transaction, then act on an automatic approval.

import { validateDraft, type DraftInput, type DraftProblem } from '../domain/draft.js';
import { isJitError, JitError } from '../domain/errors.js';
import { newRequestId } from '../domain/ids.js';
import { decide } from '../domain/rules.js';
import type { AccessRequest, Decision, GrantTarget, Policy, RequestDraft, VmPolicy } from '../domain/types.js';
import { announce, auditEvent, type WorkflowContext } from './context.js';
import { activate } from './grant.js';
import type { Notification } from '../ports/notifier.js';

export type RequestInput = DraftInput;
export type FieldProblem = DraftProblem;

export type CreateResult =
  /** `batch`: several VMs were asked for; every member, leader (`request`) first. */
  | { ok: true; request: AccessRequest; batch?: AccessRequest[] }
  /** `needsSourceLink`: the source was `me` and no "Use my IP" address is recorded yet. */
  | { ok: false; problems: FieldProblem[]; needsSourceLink?: boolean };

/** How long an address recorded by a "Use my IP" link stands in for `me`. */
export const RECORDED_SOURCE_MS = 10 * 60_000;
const ME = new Set(['me', 'myip', 'my-ip']);

export const ID_ATTEMPTS = 8;

/** Validation and the matched rule's justification policy, for the modal's inline errors before the view closes. */
export async function checkRequest(ctx: WorkflowContext, input: RequestInput): Promise<FieldProblem[]> {
  const resolved = await withRecordedSource(ctx, input);
  if (!resolved) return [noRecordedSource()];
  const policy = ctx.policy();
  const result = validateDraft(resolved, policy);
  if (!result.ok) return result.problems;
  const decision = await decideFor(ctx, policy, result.draft, result.vm);
  return decision.justificationError ? [{ field: 'justification', message: decision.justificationError }] : [];
}

export async function createRequest(ctx: WorkflowContext, input: RequestInput): Promise<CreateResult> {
  const policy = ctx.policy();
  const resolved = await withRecordedSource(ctx, input);
  if (!resolved) return { ok: false, problems: [noRecordedSource()], needsSourceLink: true };
  const validated = validateDraft(resolved, policy);
  if (!validated.ok) return { ok: false, problems: validated.problems };
  const { draft, vm } = validated;

  const now = ctx.clock.now();
  const decided = await decideFor(ctx, policy, draft, vm);
  if (decided.justificationError) return { ok: false, problems: [{ field: 'justification', message: decided.justificationError }] };
  const decision = await withEligibleApprovers(ctx, decided, draft.requester);
  const target = targetOf(ctx, vm);
  const request = await insertWithFreshId(ctx, draft, decision, target, now);
  ctx.listener.notified?.();
  ctx.logger.info(`request ${request.id} by ${request.requester} for ${request.vm}: ${request.state} (${decision.matchedRule ?? 'default'})`);

  if (request.state === 'approved') return { ok: true, request: await activate(ctx, request) };
  return { ok: true, request };
}

/**
 * `me` (or an empty source from the form) means the address the requester's
 * latest "Use my IP" link recorded; undefined when there is none recent enough.
 */
export async function withRecordedSource(ctx: WorkflowContext, input: RequestInput): Promise<RequestInput | undefined> {
  const source = input.source.trim();
  if (source !== '' && !ME.has(source.toLowerCase())) return input;
  const recorded = await ctx.store.recentSource(input.requester, ctx.clock.now() - RECORDED_SOURCE_MS);
  return recorded === undefined ? undefined : { ...input, source: recorded };
}

export function noRecordedSource(): FieldProblem {
  return {
    field: 'source',
    message: 'No address of yours is recorded: open the "Use my IP" link first, or type your address (e.g. 203.0.113.7).',
  };
}

export async function decideFor(ctx: WorkflowContext, policy: Policy, draft: RequestDraft, vm: VmPolicy): Promise<Decision> {
  return decide({ draft, vm, requesterGroups: await requesterGroupsOf(ctx, policy, draft.requester), now: ctx.clock.now() }, policy);
}

/** The requester's memberships among the groups the rules name (the only ones that can matter). */
export function requesterGroupsOf(ctx: WorkflowContext, policy: Policy, requester: string): Promise<string[]> {
  return ctx.directory.groupsOf(requester, groupIds(requesterCandidates(policy)));
}

function requesterCandidates(policy: Policy): string[] {
  return policy.rules.flatMap((rule) => rule.match.requesters ?? []);
}

export function groupIds(ids: string[]): string[] {
  return [...new Set(ids.filter((id) => id.startsWith('S')))];
}

/**
 * A request nobody but the requester could approve would only wait for its
 * timeout: deny it at once and say why, instead.
 */
export async function withEligibleApprovers(ctx: WorkflowContext, decision: Decision, requester: string): Promise<Decision> {
  if (decision.effect !== 'require_approval') return decision;
  const eligible = await expandApprovers(ctx, decision.approvers, requester);
  if (eligible.length > 0) return decision;
  return {
    ...decision,
    effect: 'deny',
    approvalsNeeded: 0,
    reasons: [...decision.reasons, 'nobody other than the requester may approve it: ask an admin to add approvers to the policy'],
  };
}

/** Approver user IDs with groups expanded, the requester left out. */
export async function expandApprovers(ctx: WorkflowContext, approvers: string[], requester: string): Promise<string[]> {
  const users = new Set<string>();
  for (const id of approvers) {
    if (!id.startsWith('S')) {
      users.add(id);
      continue;
    }
    try {
      for (const member of await ctx.directory.membersOf(id)) users.add(member);
    } catch (error) {
      ctx.logger.warn(`could not list members of user group ${id}:`, error);
    }
  }
  users.delete(requester);
  return [...users];
}

export function targetOf(ctx: WorkflowContext, vm: VmPolicy): GrantTarget {
  return { vmId: vm.id, address: vm.address ?? vm.name, backend: ctx.backends.forVm(vm).name };
}

/** Stores a new request under a fresh id with its creation's events and messages. `extra`: fields beside the draft's (an extension's `extends`). */
export async function insertWithFreshId(
  ctx: WorkflowContext,
  draft: RequestDraft,
  decision: Decision,
  target: GrantTarget,
  now: number,
  extra: Partial<AccessRequest> = {},
): Promise<AccessRequest> {
  for (let attempt = 1; ; attempt++) {
    const request: AccessRequest = { ...initialRequest(newRequestId(ctx.randomBytes), draft, decision, target, now), ...extra };
    const created = auditEvent('request.created', request, request.requester, now);
    const events = [created];
    const notifications: Notification[] = [{ kind: 'audit', event: created, request }];
    if (request.state === 'pending') {
      notifications.push({ kind: 'requester_dm', event: 'request.created', request });
      for (const destination of await approvalTargets(ctx, request)) {
        notifications.push({ kind: 'approval_request', target: destination, request });
      }
    } else {
      // Break-glass: the requester approves their own request, on the record.
      const breakGlass = decision.effect === 'break_glass';
      const settled = auditEvent(
        request.state === 'approved' ? 'request.approved' : 'request.denied',
        request,
        breakGlass ? request.requester : 'system',
        now,
        `${breakGlass ? 'break-glass: ' : ''}${decision.reasons.join('; ')}`,
      );
      events.push(settled);
      notifications.push(...announce(settled, request, { dm: true }));
      if (breakGlass) notifications.push({ kind: 'break_glass', request });
    }
    try {
      return await ctx.store.insertRequest(request, events, notifications);
    } catch (error) {
      const duplicate = isJitError(error, 'jit_store_failed') && error.cause === 'duplicate_id';
      if (!duplicate || attempt >= ID_ATTEMPTS)
        throw error instanceof JitError ? error : new JitError('jit_store_failed', 'could not store the request', { cause: error });
    }
  }
}

export function initialRequest(id: string, draft: RequestDraft, decision: Decision, target: GrantTarget, now: number): AccessRequest {
  const state = decision.effect === 'approve' || decision.effect === 'break_glass' ? 'approved' : decision.effect === 'deny' ? 'denied' : 'pending';
  return {
    ...draft,
    id,
    state,
    version: 1,
    createdAt: now,
    decision,
    approvals: [],
    target,
    ...(state === 'pending' ? {} : { decidedBy: decision.effect === 'break_glass' ? draft.requester : 'system', reason: decision.reasons.join('; ') }),
  };
}

export async function approvalTargets(ctx: WorkflowContext, request: AccessRequest): Promise<string[]> {
  if (ctx.settings.approvalChannel) return [ctx.settings.approvalChannel];
  return expandApprovers(ctx, request.decision.approvers, request.requester);
}
