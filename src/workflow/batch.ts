// Use case: one request for several VMs. It becomes a batch of ordinary requests,
// one per VM, sharing the leader's id (the first VM's) as `batchId`: each has its
// own decision, grant, timer, audit thread and revoke. The batch is one answer to
// the requester: stored in one transaction or not at all, denied whole if the
// rules deny any VM, and put to the approvers as one message.

import { validateBatchDraft } from '../domain/batch-draft.js';
import { type Created, createdInBatch, initialRequest } from '../domain/changes/create.js';
import { newRequestId } from '../domain/ids.js';
import type { AccessRequest, Decision, GrantTarget, RequestDraft } from '../domain/types.js';
import { insert } from './commit.js';
import type { WorkflowContext } from './context.js';
import {
  approvalTargets,
  type CreateResult,
  createRequest,
  decideFor,
  prepare,
  type FieldProblem,
  type RequestInput,
  targetOf,
  withEligibleApprovers,
  withFreshIds,
} from './create-request.js';
import { activate } from './grant.js';

interface Planned {
  draft: RequestDraft;
  decision: Decision;
  target: GrantTarget;
}

/** Validation and each VM's justification policy, for the form's inline errors (like checkRequest). */
export async function checkBatch(ctx: WorkflowContext, input: RequestInput): Promise<FieldProblem[]> {
  const prepared = await prepare(ctx, input, validateBatchDraft);
  if (!prepared.ok) return prepared.problems;
  const problems: FieldProblem[] = [];
  for (const { draft, vm } of prepared.valid.members) {
    const decided = await decideFor(ctx, prepared.policy, draft, vm);
    if (decided.justificationError) problems.push({ field: 'justification', message: `${vm.name}: ${decided.justificationError}` });
  }
  return problems;
}

export async function createBatch(ctx: WorkflowContext, input: RequestInput): Promise<CreateResult> {
  const prepared = await prepare(ctx, input, validateBatchDraft);
  if (!prepared.ok) return prepared;
  const { policy } = prepared;
  const validated = prepared.valid;
  // `web-1,` names one VM: that is an ordinary request.
  if (validated.members.length === 1) return createRequest(ctx, { ...input, vm: validated.members[0]!.vm.name });

  const planned: Planned[] = [];
  const problems: FieldProblem[] = [];
  for (const { draft, vm } of validated.members) {
    const decided = await decideFor(ctx, policy, draft, vm);
    if (decided.justificationError) {
      problems.push({ field: 'justification', message: `${vm.name}: ${decided.justificationError}` });
      continue;
    }
    planned.push({ draft, decision: await withEligibleApprovers(ctx, decided, draft.requester), target: targetOf(ctx, vm) });
  }
  if (problems.length > 0) return { ok: false, problems };

  const now = ctx.clock.now();
  const members = await withFreshIds(async () => insert(ctx, await batchItems(ctx, planned, freshIds(ctx, planned.length), now)));
  const leader = members[0]!;
  ctx.logger.info(`batch ${leader.id} by ${leader.requester}: ${members.map((m) => `${m.id} ${m.vm} ${m.state}`).join(', ')}`);

  // Members the rules approved open now, each on its own: one failing leaves the others.
  const settled: AccessRequest[] = [];
  for (const member of members) settled.push(member.state === 'approved' ? await activate(ctx, member) : member);
  return { ok: true, request: settled[0]!, batch: settled };
}

function freshIds(ctx: WorkflowContext, count: number): string[] {
  const ids = new Set<string>();
  while (ids.size < count) ids.add(newRequestId(ctx.randomBytes));
  return [...ids];
}

/** Every member's row, creation events and messages. The leader carries the batch's DM and approval messages. */
async function batchItems(ctx: WorkflowContext, planned: Planned[], ids: string[], now: number): Promise<Created[]> {
  const batchId = ids[0]!;
  const denied = planned.find((p) => p.decision.effect === 'deny');
  const deniedWhy = denied ? `denied with ${denied.draft.vm}: ${denied.decision.reasons.join('; ')}` : '';
  const requests = planned.map((p, i): AccessRequest => {
    const request: AccessRequest = { ...initialRequest(ids[i]!, p.draft, p.decision, p.target, now), kind: 'grant', batchId };
    // One request, one answer: a VM the rules deny denies the others with it.
    if (!denied || request.state === 'denied') return request;
    return { ...request, state: 'denied', decidedBy: 'system', reason: deniedWhy };
  });
  const items = requests.map((request, i) => createdInBatch(request, now, i, requests.length, batchId));

  // One approval message per destination for the whole batch, under the leader.
  const destinations = new Set<string>();
  for (const request of requests.filter((r) => r.state === 'pending')) {
    for (const destination of await approvalTargets(ctx, request)) destinations.add(destination);
  }
  const leader = items[0]!;
  for (const target of destinations) leader.notifications.push({ kind: 'approval_request', target, request: leader.request });
  return items;
}
