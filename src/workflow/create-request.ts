// Use case: a requester asks for access. Validate, decide, store with its audit
// event and notifications in one transaction, then act on an automatic approval.

import { created, type ExtensionOf, initialRequest } from '../domain/changes/create.js';
import { type DraftInput, type DraftProblem, validateDraft } from '../domain/draft.js';
import { isJitError, JitError } from '../domain/errors.js';
import { newRequestId } from '../domain/ids.js';
import { decide, onCallQuestions, type RuleInput } from '../domain/rules.js';
import { type OnCallQuestion, type OnCallStatus, onCallNotes } from '../domain/rules-on-call.js';
import type { AccessRequest, Decision, GrantTarget, Policy, RequestDraft, VmPolicy } from '../domain/types.js';
import { insert } from './commit.js';
import type { WorkflowContext } from './context.js';
import { activate } from './grant.js';
import { GroupsUnreadable } from '../ports/unreadable-directory.js';
import { ON_CALL_NOT_WIRED } from '../ports/on-call.js';

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

/** Fresh ids tried before a store that keeps reporting collisions is given up on. */
export const ID_ATTEMPTS = 8;

/** What an input comes to before anything is decided: validated against the running policy, or the problems to show. */
export type Prepared<R> = { ok: true; policy: Policy; valid: R } | { ok: false; problems: FieldProblem[]; needsSourceLink?: true };

/**
 * The input with `me` resolved to the address the requester's "Use my IP" link
 * recorded, validated by `validate` against the policy running now.
 */
export async function prepare<R extends { ok: true }>(
  ctx: WorkflowContext,
  input: RequestInput,
  validate: (input: RequestInput, policy: Policy) => R | { ok: false; problems: FieldProblem[] },
): Promise<Prepared<R>> {
  const resolved = await withRecordedSource(ctx, input);
  if (!resolved) return { ok: false, problems: [noRecordedSource()], needsSourceLink: true };
  const policy = ctx.policy();
  const valid = validate(resolved, policy);
  return valid.ok ? { ok: true, policy, valid } : { ok: false, problems: valid.problems };
}

/** Validation and the matched rule's justification policy, for the modal's inline errors before the view closes. */
export async function checkRequest(ctx: WorkflowContext, input: RequestInput): Promise<FieldProblem[]> {
  const prepared = await prepare(ctx, input, validateDraft);
  if (!prepared.ok) return prepared.problems;
  const decision = await decideFor(ctx, prepared.policy, prepared.valid.draft, prepared.valid.vm);
  return decision.justificationError ? [{ field: 'justification', message: decision.justificationError }] : [];
}

export async function createRequest(ctx: WorkflowContext, input: RequestInput): Promise<CreateResult> {
  const prepared = await prepare(ctx, input, validateDraft);
  if (!prepared.ok) return prepared;
  const { policy } = prepared;
  const { draft, vm } = prepared.valid;

  const decided = await decideFor(ctx, policy, draft, vm);
  if (decided.justificationError) return { ok: false, problems: [{ field: 'justification', message: decided.justificationError }] };
  const decision = await withEligibleApprovers(ctx, decided, draft.requester);
  const request = await storeNew(ctx, draft, decision, targetOf(ctx, vm));
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

/**
 * The decision, with what the on-call lookups found added to its reasons (where
 * the requester is on call; why a lookup failed), so approvers see it too.
 */
export async function decideFor(ctx: WorkflowContext, policy: Policy, draft: RequestDraft, vm: VmPolicy, now = ctx.clock.now()): Promise<Decision> {
  const { input, questions } = await ruleInputFor(ctx, policy, draft, vm, now);
  const decision = decide(input, policy);
  decision.reasons.push(...onCallNotes(questions, input.onCall, decision.matchedRule));
  return decision;
}

/**
 * What the rule engine reads of a request, with the asynchronous parts looked
 * up first: the requester's groups among those the rules name, then whether
 * they are on call, only for the on-call conditions that could decide (none:
 * no lookup at all).
 */
export async function ruleInputFor(
  ctx: WorkflowContext,
  policy: Policy,
  draft: RequestDraft,
  vm: VmPolicy,
  now = ctx.clock.now(),
): Promise<{ input: RuleInput; questions: OnCallQuestion[] }> {
  const input: RuleInput = { draft, vm, requesterGroups: await requesterGroupsOf(ctx, policy, draft.requester), now };
  const questions = onCallQuestions(input, policy);
  if (questions.length === 0) return { input, questions };
  return { input: { ...input, onCall: await onCallAnswers(ctx, draft.requester, questions) }, questions };
}

/** One lookup per distinct condition, all at once; a port that throws anyway counts as a failed lookup. */
async function onCallAnswers(ctx: WorkflowContext, requester: string, questions: readonly OnCallQuestion[]): Promise<Map<string, OnCallStatus>> {
  const distinct = new Map(questions.map((question) => [question.key, question.condition]));
  const answers = new Map<string, OnCallStatus>();
  await Promise.all(
    [...distinct].map(async ([key, condition]) => {
      let answer: OnCallStatus;
      try {
        answer = ctx.onCall === undefined ? ON_CALL_NOT_WIRED : await ctx.onCall.status(requester, condition);
      } catch (error) {
        ctx.logger.warn(`on-call lookup for ${requester} failed:`, error);
        answer = { onCall: false, problems: ['the on-call lookup failed unexpectedly'] };
      }
      answers.set(key, answer);
    }),
  );
  return answers;
}

/** The requester's memberships among the groups the rules name (the only ones that can matter). */
export function requesterGroupsOf(ctx: WorkflowContext, policy: Policy, requester: string): Promise<string[]> {
  return ctx.directory.groupsOf(requester, groupIds(policy.rules.flatMap((rule) => rule.match.requesters ?? [])));
}

function groupIds(ids: string[]): string[] {
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
async function expandApprovers(ctx: WorkflowContext, approvers: string[], requester: string): Promise<string[]> {
  const users = new Set<string>();
  for (const id of approvers) {
    if (!id.startsWith('S')) {
      users.add(id);
      continue;
    }
    try {
      for (const member of await ctx.directory.membersOf(id)) users.add(member);
    } catch (error) {
      // A directory that cannot read groups at all (the CLI without a token) refuses rather than deny for nobody.
      if (error instanceof GroupsUnreadable) throw error;
      ctx.logger.warn(`could not list members of user group ${id}:`, error);
    }
  }
  users.delete(requester);
  return [...users];
}

export function targetOf(ctx: WorkflowContext, vm: VmPolicy): GrantTarget {
  return { vmId: vm.id, address: vm.address ?? vm.name, backend: ctx.backends.forVm(vm).name };
}

/** Stores a new request (an extension of a grant when `extension` says so) under a fresh id, with its creation's events and messages. */
export async function storeNew(
  ctx: WorkflowContext,
  draft: RequestDraft,
  decision: Decision,
  target: GrantTarget,
  extension?: ExtensionOf,
): Promise<AccessRequest> {
  const now = ctx.clock.now();
  const stored = await withFreshIds(async () => {
    const request = initialRequest(newRequestId(ctx.randomBytes), draft, decision, target, now, extension);
    return insert(ctx, [created(request, now, request.state === 'pending' ? await approvalTargets(ctx, request) : [])]);
  });
  return stored[0]!;
}

/** Random ids collide now and then: the store refuses a duplicate, and `store` is tried again with new ones. */
export async function withFreshIds<T>(store: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await store();
    } catch (error) {
      const duplicate = isJitError(error, 'jit_store_failed') && error.cause === 'duplicate_id';
      if (!duplicate || attempt >= ID_ATTEMPTS)
        throw error instanceof JitError ? error : new JitError('jit_store_failed', 'could not store the request', { cause: error });
    }
  }
}

/** Where a pending request's approval requests go: the approval channel, or each approver's DM. */
export async function approvalTargets(ctx: WorkflowContext, request: AccessRequest): Promise<string[]> {
  if (ctx.settings.approvalChannel) return [ctx.settings.approvalChannel];
  return expandApprovers(ctx, request.decision.approvers, request.requester);
}
