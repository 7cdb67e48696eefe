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

import { formatDuration, formatUtc as utc, parseDuration } from '../domain/duration.js';
import { JitError } from '../domain/errors.js';
import { extensionApprovalDecision, grantMaxSeconds, planExtension } from '../domain/extension.js';
import { decide } from '../domain/rules.js';
import type { AccessRequest, Decision, Policy, RequestDraft } from '../domain/types.js';
import { announce, auditEvent, type WorkflowContext } from './context.js';
import { requesterGroupsOf } from './create-request.js';
import { load } from './decide-request.js';
import { requestExtension } from './extension-approval.js';
import { backendOf, expectedOf, grantSpec, restoreEnd } from './grant.js';
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
  return ctx.lock.run(id, async () => {
    const current = await load(ctx, id);
    if (current.requester !== user) {
      throw new JitError('jit_not_allowed', `Only the requester can extend request #${id}.`);
    }
    if (current.state !== 'active' || current.startAt === undefined || current.endAt === undefined) {
      throw new JitError(
        'jit_wrong_state',
        `Request #${id} is ${current.state.replace('_', ' ')}, not open: only open access can be extended. Request again with \`/jit request\`.`,
      );
    }
    const now = ctx.clock.now();
    if (current.endAt <= now) {
      throw new JitError('jit_wrong_state', `Request #${id} has reached its end time and is closing. Request again with \`/jit request\`.`);
    }
    if (options.expectedEndAt !== undefined && options.expectedEndAt !== current.endAt) {
      throw new JitError(
        'jit_wrong_state',
        `Request #${id} was already extended: it is open until ${utc(current.endAt)}. Use the newest message to extend it again.`,
      );
    }
    const waiting = await openExtensionOf(ctx, id);
    if (waiting) {
      throw new JitError(
        'jit_wrong_state',
        `Request #${id} already has an extension waiting for approval: #${waiting.id} (${formatDuration(waiting.durationSeconds)} more). Wait for its decision, or withdraw it with \`/jit cancel ${waiting.id}\` and ask again.`,
      );
    }

    const requestedSeconds = parseRequested(options.duration);
    const policy = ctx.policy();
    const max = grantMaxSeconds(
      current,
      policy.vms.find((vm) => vm.name === current.vm),
    );
    if (!max.ok) throw refused(id, max.reason);
    const plan = planExtension({
      startAt: current.startAt,
      endAt: current.endAt,
      durationSeconds: current.durationSeconds,
      maxSeconds: max.seconds,
      requestedSeconds,
    });

    const decision = await judge(ctx, policy, current, plan.totalSeconds, now);
    const verdict = refusalOf(decision, plan.totalSeconds);
    if (verdict) throw refused(id, verdict);
    const approval = extensionApprovalDecision(decision, plan.pastMax, policy.approvers);
    if (approval) {
      const asked = await requestExtension(ctx, current, plan, approval);
      if (!asked.ok) throw refused(id, `${formatDuration(plan.totalSeconds)} in all needs approval and ${asked.reason}`);
      return { outcome: 'pending', request: current, extension: asked.extension, addedSeconds: plan.addedSeconds, capped: false };
    }

    const backend = backendOf(ctx, current);
    try {
      await backend.extend(grantSpec(current, plan.endAt));
    } catch (error) {
      // The details are for the log; the requester learns what still holds.
      ctx.logger.error(`request ${id}: extending the grant failed:`, error);
      throw new JitError(
        'jit_backend_failed',
        `The firewall could not extend request #${id}; access still ends at ${utc(current.endAt)}. Try again, or tell the bot's admins if it keeps failing.`,
        { cause: error },
      );
    }

    const next: AccessRequest = { ...current, endAt: plan.endAt, extensions: (current.extensions ?? 0) + 1 };
    const rule = decision.matchedRule === null ? 'default' : `rule ${decision.matchedRule}`;
    const detail = `${formatDuration(plan.addedSeconds)} more, ${formatDuration(plan.totalSeconds)} in all${plan.capped ? ' (capped at the port maximum)' : ''}; ${rule}: ${decision.reasons.join('; ')}`;
    const event = auditEvent('grant.extended', next, user, now, detail);
    const stored = await ctx.store.transition(expectedOf(current), next, [event], announce(event, next, { dm: true, updateApproval: true }));
    ctx.listener.notified?.();
    if (!stored) {
      await restoreEnd(ctx, backend, id);
      throw new JitError('jit_wrong_state', `Request #${id} changed while you extended it; nothing was extended. Check \`/jit list\`.`);
    }
    ctx.listener.activated?.(stored);
    ctx.logger.info(`request ${id}: extended by ${user} until ${new Date(plan.endAt).toISOString()}`);
    return { outcome: 'extended', request: stored, addedSeconds: plan.addedSeconds, capped: plan.capped };
  });
}

function parseRequested(duration: string | undefined): number | undefined {
  if (duration === undefined || duration.trim() === '') return undefined;
  const parsed = parseDuration(duration);
  if (!parsed.ok) throw new JitError('jit_duration_invalid', `${parsed.error}.`);
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
  return decide({ draft, vm, requesterGroups: await requesterGroupsOf(ctx, policy, request.requester), now }, policy);
}

/** Why the decision refuses the extension outright, or undefined when it may go ahead (at once or through approvers). */
function refusalOf(decision: Decision, totalSeconds: number): string | undefined {
  const reasons = decision.reasons.join('; ');
  if (decision.effect === 'deny') return `the policy denies ${formatDuration(totalSeconds)} in all${reasons ? `: ${reasons}` : ''}`;
  return decision.justificationError;
}

function refused(id: string, why: string): JitError {
  return new JitError('jit_not_allowed', `Request #${id} was not extended: ${why}.`);
}
