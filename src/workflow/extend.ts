// Use case: the requester extends an active grant. An extension is judged like
// a new request would be: the rule engine sees the whole span from the grant's
// original start to the new end. An automatic approval within the port's
// maximum (counted from the original start) extends at once. One the rules send
// to approvers, or one past that maximum (only an approval lifts it), becomes a
// pending extension request (extension-approval.ts); a deny is refused. One
// grant has at most one extension waiting for approval at a time.
//
// Order, as for opening: the firewall first, then the compare-and-swap, so the
// store never shows an end the firewall does not enforce.

import { extended } from '../domain/changes/grant.js';
import { formatDuration, parseDuration } from '../domain/duration.js';
import { refuse } from '../domain/errors.js';
import { extensionApprovalDecision, grantMaxSeconds, planExtension } from '../domain/extension.js';
import type { AccessRequest, Decision, Policy, RequestDraft } from '../domain/types.js';
import { requireRight } from './access.js';
import { commit, withRequest } from './commit.js';
import type { WorkflowContext } from './context.js';
import { decideFor } from './create-request.js';
import { requestExtension } from './extension-approval.js';
import { backendOf, grantSpec, restoreEnd } from './grant.js';
import { openExtensionOf } from './pending-extensions.js';

export interface ExtendOptions {
  /** How much longer, as the requester typed it (`30m`); default: the grant's original length, capped at the maximum. */
  duration?: string;
  /**
   * The end the clicked message showed. A click on a message made stale by an
   * extension in between changes nothing, so fifty clicks give one extension.
   */
  expectedEndAt?: number;
}

export type ExtendResult =
  /** Extended at once (an automatic approval within the port maximum). */
  | {
      outcome: 'extended';
      request: AccessRequest;
      addedSeconds: number;
      /** The default length was cut to fit the port maximum. */
      capped: boolean;
    }
  /** Needs approval: `extension` is the pending request; `request` (the grant) is unchanged. */
  | { outcome: 'pending'; request: AccessRequest; extension: AccessRequest; addedSeconds: number; capped: false };

export function extend(ctx: WorkflowContext, id: string, user: string, options: ExtendOptions = {}): Promise<ExtendResult> {
  return withRequest(ctx, id, async (current) => {
    await requireRight(ctx, user, 'extend', current);
    // authorize() let only an open grant through; this says so to the compiler.
    if (current.kind !== 'grant' || current.startAt === undefined || current.endAt === undefined) throw refuse('extend_not_open', { id, state: current.state });
    const now = ctx.clock.now();
    if (current.endAt <= now) throw refuse('extend_past_end', { id });
    if (options.expectedEndAt !== undefined && options.expectedEndAt !== current.endAt) throw refuse('extend_stale', { id, endAt: current.endAt });
    const waiting = await openExtensionOf(ctx, id);
    if (waiting) throw refuse('extension_waiting', { id, extensionId: waiting.id, addedSeconds: waiting.durationSeconds });

    const requestedSeconds = parseRequested(options.duration);
    const policy = ctx.policy();
    const max = grantMaxSeconds(
      current,
      policy.vms.find((vm) => vm.name === current.vm),
    );
    if (!max.ok) throw refuse('extend_no_maximum', { id, why: max.reason });
    const plan = planExtension({
      startAt: current.startAt,
      endAt: current.endAt,
      durationSeconds: current.durationSeconds,
      maxSeconds: max.seconds,
      requestedSeconds,
    });

    const decision = await judge(ctx, policy, current, plan.totalSeconds, now);
    if (decision.effect === 'deny') throw refuse('extend_denied', { id, totalSeconds: plan.totalSeconds, reasons: decision.reasons });
    if (decision.justificationError) throw refuse('extend_justification', { id, problem: decision.justificationError });
    const approval = extensionApprovalDecision(decision, plan.pastMax, policy.approvers);
    if (approval) {
      const asked = await requestExtension(ctx, current, plan, approval);
      if (!asked.ok) throw refuse('extend_no_approvers', { id, totalSeconds: plan.totalSeconds, reasons: asked.reasons });
      return { outcome: 'pending', request: current, extension: asked.extension, addedSeconds: plan.addedSeconds, capped: false };
    }

    const backend = backendOf(ctx, current);
    try {
      await backend.extend(grantSpec(current, plan.endAt));
    } catch (error) {
      // The details are for the log; the requester learns what still holds.
      ctx.logger.error(`request ${id}: extending the grant failed:`, error);
      throw refuse('extend_backend_failed', { id, endAt: current.endAt });
    }

    const rule = decision.matchedRule === null ? 'default' : `rule ${decision.matchedRule}`;
    const detail = `${formatDuration(plan.addedSeconds)} more, ${formatDuration(plan.totalSeconds)} in all${plan.capped ? ' (capped at the port maximum)' : ''}; ${rule}: ${decision.reasons.join('; ')}`;
    const stored = await commit(ctx, current, extended(current, plan.endAt, user, now, detail));
    if (!stored) {
      await restoreEnd(ctx, backend, id);
      throw refuse('extend_raced', { id });
    }
    ctx.logger.info(`request ${id}: extended by ${user} until ${new Date(plan.endAt).toISOString()}`);
    return { outcome: 'extended', request: stored, addedSeconds: plan.addedSeconds, capped: plan.capped };
  });
}

function parseRequested(duration: string | undefined): number | undefined {
  if (duration === undefined || duration.trim() === '') return undefined;
  const parsed = parseDuration(duration);
  if (!parsed.ok) throw refuse('duration_invalid', { problem: parsed.error });
  return parsed.seconds;
}

/** The rule engine on the grant as if it had been asked for with the whole span at once. */
async function judge(ctx: WorkflowContext, policy: Policy, request: AccessRequest, totalSeconds: number, now: number): Promise<Decision> {
  const vm = policy.vms.find((candidate) => candidate.name === request.vm)!;
  const draft: RequestDraft = {
    requester: request.requester,
    vm: request.vm,
    ports: request.ports,
    source: request.source,
    durationSeconds: totalSeconds,
    justification: request.justification,
  };
  // The same lookups as a new request (groups, on call), so an on-call rule can approve an extension too.
  return decideFor(ctx, policy, draft, vm, now);
}
