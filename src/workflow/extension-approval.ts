// Extensions that need approval. An extension the rules send to approvers, or
// one that would pass the port's maximum from the original start (only an
// approval lifts that cap), becomes an ordinary pending request that names its
// original in `extends`. It goes through the usual approval flow (message,
// quorum, deny, reminder, timeout). Once approved it opens nothing of its own:
// the original grant's end moves, and the extension closes as `applied to #…`
// (or fails, saying why, when the original is no longer open by then).

import { formatDuration, formatUtc } from '../domain/duration.js';
import { JitError } from '../domain/errors.js';
import type { ExtensionPlan } from '../domain/extension.js';
import type { AccessRequest, Decision, RequestDraft } from '../domain/types.js';
import type { FirewallBackend } from '../ports/firewall.js';
import { announce, auditEvent, type WorkflowContext } from './context.js';
import { insertWithFreshId, withEligibleApprovers } from './create-request.js';
import { backendOf, expectedOf, grantSpec, restoreEnd } from './grant.js';

/**
 * Stores the pending extension of `original` (the caller holds the original's
 * lock and has checked that no other extension is open). Resolves with the
 * extension, or with the reasons when nobody but the requester could approve it.
 */
export async function requestExtension(
  ctx: WorkflowContext,
  original: AccessRequest,
  plan: ExtensionPlan,
  decision: Decision,
): Promise<{ ok: true; extension: AccessRequest } | { ok: false; reason: string }> {
  const eligible = await withEligibleApprovers(ctx, decision, original.requester);
  if (eligible.effect === 'deny') return { ok: false, reason: eligible.reasons.join('; ') };
  if (!original.target) throw new JitError('jit_backend_failed', `request #${original.id} has no firewall target`);
  const draft: RequestDraft = {
    requester: original.requester,
    vm: original.vm,
    ports: original.ports,
    source: original.source,
    durationSeconds: plan.addedSeconds,
    justification: original.justification,
  };
  const extra = { extends: original.id, extensionTotalSeconds: plan.totalSeconds };
  const extension = await insertWithFreshId(ctx, draft, eligible, original.target, ctx.clock.now(), extra);
  ctx.listener.notified?.();
  ctx.logger.info(
    `request ${extension.id}: extension of ${original.id} by ${formatDuration(plan.addedSeconds)} waits for approval (${eligible.matchedRule ?? 'default'})`,
  );
  return { ok: true, extension };
}

/**
 * Applies an approved extension to its original. Lock order: the extension,
 * then its original, never the other way round (a close of the original
 * cancels pending extensions without taking their locks). Resolves with the
 * extension as stored afterwards: `closed` when applied, `failed` when not.
 */
export function applyExtension(ctx: WorkflowContext, id: string): Promise<AccessRequest | undefined> {
  return ctx.lock.run(id, async () => {
    const extension = await ctx.store.getRequest(id);
    if (extension?.state !== 'approved' || extension.extends === undefined) return extension;
    const originalId = extension.extends;
    return ctx.lock.run(originalId, () => applyUnlocked(ctx, extension, originalId));
  });
}

async function applyUnlocked(ctx: WorkflowContext, extension: AccessRequest, originalId: string): Promise<AccessRequest> {
  const original = await ctx.store.getRequest(originalId);
  const now = ctx.clock.now();
  // Applied already, by a run a crash interrupted after the original's compare-and-swap.
  if (original?.appliedExtensions?.includes(extension.id)) return closeApplied(ctx, extension, original);
  if (original?.state !== 'active' || original.endAt === undefined || original.endAt <= now) {
    const state = original === undefined ? 'gone' : original.state === 'active' ? 'past its end time' : original.state.replace('_', ' ');
    return fail(ctx, extension, `#${originalId} is ${state}, no longer open, so there was nothing left to extend. Request access again with /jit request`);
  }

  const endAt = original.endAt + extension.durationSeconds * 1000;
  let backend: FirewallBackend;
  try {
    backend = backendOf(ctx, original);
    await backend.extend(grantSpec(original, endAt));
  } catch (error) {
    ctx.logger.error(`request ${extension.id}: extending ${originalId} on the firewall failed:`, error);
    return fail(ctx, extension, `the firewall could not extend #${originalId}; its access still ends at ${formatUtc(original.endAt)}`);
  }

  const next: AccessRequest = {
    ...original,
    endAt,
    extensions: (original.extensions ?? 0) + 1,
    appliedExtensions: [...(original.appliedExtensions ?? []), extension.id],
  };
  const total = formatDuration(Math.ceil((endAt - (original.startAt ?? now)) / 1000));
  const approvers = extension.approvals.map((user) => `@${user}`).join(', ');
  const detail = `${formatDuration(extension.durationSeconds)} more, ${total} in all from the original start; approved by ${approvers} in #${extension.id}`;
  const event = auditEvent('grant.extended', next, extension.decidedBy ?? 'system', now, detail);
  const stored = await ctx.store.transition(expectedOf(original), next, [event], announce(event, next, { dm: true, updateApproval: true }));
  ctx.listener.notified?.();
  if (!stored) {
    await restoreEnd(ctx, backend, originalId);
    return fail(ctx, extension, `#${originalId} changed while the extension was applied; nothing was extended`);
  }
  ctx.listener.activated?.(stored);
  ctx.logger.info(`request ${originalId}: extended until ${new Date(endAt).toISOString()} by approved extension ${extension.id}`);
  return closeApplied(ctx, extension, stored);
}

/** approved → closed: the extension lives on as the original's new end. */
async function closeApplied(ctx: WorkflowContext, extension: AccessRequest, original: AccessRequest): Promise<AccessRequest> {
  const next: AccessRequest = { ...extension, state: 'closed', reason: `applied to #${original.id}` };
  const until = original.endAt === undefined ? '' : `: open until ${formatUtc(original.endAt)}`;
  const event = auditEvent('extension.applied', next, 'system', ctx.clock.now(), `applied to #${original.id}${until}`);
  const stored = await ctx.store.transition(expectedOf(extension), next, [event], announce(event, next, { updateApproval: true }));
  ctx.listener.notified?.();
  if (stored) ctx.listener.ended?.(stored);
  return stored ?? (await ctx.store.getRequest(extension.id)) ?? next;
}

/** approved → failed, with the reason for the requester, the approvers' message and the audit thread. */
async function fail(ctx: WorkflowContext, extension: AccessRequest, reason: string): Promise<AccessRequest> {
  const next: AccessRequest = { ...extension, state: 'failed', reason };
  const event = auditEvent('extension.failed', next, 'system', ctx.clock.now(), reason);
  const stored = await ctx.store.transition(expectedOf(extension), next, [event], announce(event, next, { dm: true, updateApproval: true }));
  ctx.listener.notified?.();
  if (stored) ctx.listener.ended?.(stored);
  ctx.logger.warn(`request ${extension.id}: approved extension not applied: ${reason}`);
  return stored ?? (await ctx.store.getRequest(extension.id)) ?? next;
}
