// Extensions that need approval. An extension the rules send to approvers, or
// one that would pass the port's maximum from the original start (only an
// approval lifts that cap), becomes an ordinary pending request of kind
// `extension` naming its original. It goes through the usual approval flow
// (message, quorum, deny, reminder, timeout). Once approved it opens nothing of
// its own: the original grant's end moves, and the extension closes as
// `applied to #…` (or fails, saying why, when the original is no longer open).

import { extensionApplied, extensionFailed } from '../domain/changes/extension.js';
import { extended } from '../domain/changes/grant.js';
import { formatDuration, formatUtc } from '../domain/duration.js';
import { JitError } from '../domain/errors.js';
import type { ExtensionPlan } from '../domain/extension.js';
import type { AccessRequest, Decision, ExtensionRequest, GrantRequest, RequestDraft } from '../domain/types.js';
import type { FirewallBackend } from '../ports/firewall.js';
import { commit } from './commit.js';
import type { WorkflowContext } from './context.js';
import { storeNew, withEligibleApprovers } from './create-request.js';
import { backendOf, grantSpec, restoreEnd } from './grant.js';

/**
 * Stores the pending extension of `original` (the caller holds the original's
 * lock and has checked that no other extension is open). Resolves with the
 * extension, or with the reasons when nobody but the requester could approve it.
 */
export async function requestExtension(
  ctx: WorkflowContext,
  original: GrantRequest,
  plan: ExtensionPlan,
  decision: Decision,
): Promise<{ ok: true; extension: AccessRequest } | { ok: false; reasons: string[] }> {
  const eligible = await withEligibleApprovers(ctx, decision, original.requester);
  if (eligible.effect === 'deny') return { ok: false, reasons: eligible.reasons };
  if (!original.target) throw new JitError('jit_backend_failed', `request #${original.id} has no firewall target`);
  const draft: RequestDraft = {
    requester: original.requester,
    vm: original.vm,
    ports: original.ports,
    source: original.source,
    durationSeconds: plan.addedSeconds,
    justification: original.justification,
  };
  const extension = await storeNew(ctx, draft, eligible, original.target, { extends: original.id, extensionTotalSeconds: plan.totalSeconds });
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
    if (extension?.state !== 'approved' || extension.kind !== 'extension') return extension;
    return ctx.lock.run(extension.extends, () => applyUnlocked(ctx, extension));
  });
}

async function applyUnlocked(ctx: WorkflowContext, extension: ExtensionRequest): Promise<AccessRequest> {
  const originalId = extension.extends;
  const original = await ctx.store.getRequest(originalId);
  const now = ctx.clock.now();
  // Applied already, by a run a crash interrupted after the original's compare-and-swap.
  if (original?.kind === 'grant' && original.appliedExtensions?.includes(extension.id)) return closeApplied(ctx, extension, original);
  if (original?.kind !== 'grant' || original.state !== 'active' || original.endAt === undefined || original.endAt <= now) {
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

  const total = formatDuration(Math.ceil((endAt - (original.startAt ?? now)) / 1000));
  const approvers = extension.approvals.map((user) => `@${user}`).join(', ');
  const detail = `${formatDuration(extension.durationSeconds)} more, ${total} in all from the original start; approved by ${approvers} in #${extension.id}`;
  const stored = await commit(ctx, original, extended(original, endAt, extension.decidedBy ?? 'system', now, detail, extension.id));
  if (!stored) {
    await restoreEnd(ctx, backend, originalId);
    return fail(ctx, extension, `#${originalId} changed while the extension was applied; nothing was extended`);
  }
  ctx.logger.info(`request ${originalId}: extended until ${new Date(endAt).toISOString()} by approved extension ${extension.id}`);
  return closeApplied(ctx, extension, stored);
}

/** approved → closed: the extension lives on as the original's new end. */
async function closeApplied(ctx: WorkflowContext, extension: ExtensionRequest, original: GrantRequest): Promise<AccessRequest> {
  const change = extensionApplied(extension, original, ctx.clock.now());
  return (await commit(ctx, extension, change)) ?? (await ctx.store.getRequest(extension.id)) ?? change.next;
}

/** approved → failed, with the reason for the requester, the approvers' message and the audit thread. */
async function fail(ctx: WorkflowContext, extension: ExtensionRequest, reason: string): Promise<AccessRequest> {
  const change = extensionFailed(extension, reason, ctx.clock.now());
  const stored = await commit(ctx, extension, change);
  ctx.logger.warn(`request ${extension.id}: approved extension not applied: ${reason}`);
  return stored ?? (await ctx.store.getRequest(extension.id)) ?? change.next;
}
