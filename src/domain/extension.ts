// How far an active grant may be extended, and when its requester is warned
// before the end. Pure: times come in as epoch ms, answers go out as data.
//
// The ceiling is the port's maximum counted from the grant's ORIGINAL start:
// extending never buys more total time than one request could have asked for,
// unless an approval allows it. A plan past the ceiling says so (`pastMax`);
// the workflow then asks approvers instead of extending.

import { formatDuration } from './duration.js';
import type { AccessRequest, Decision, GrantRequest, PortPolicy, VmPolicy } from './types.js';

export interface ExtensionPlan {
  endAt: number;
  /** Seconds added to the current end. */
  addedSeconds: number;
  /** Seconds from the original start to the new end: what the rule engine judges. */
  totalSeconds: number;
  /** True when the default length was cut down to the port maximum. */
  capped: boolean;
  /** Set when the new end passes the port maximum from the original start: why only an approval may allow it. */
  pastMax?: string;
}

export interface ExtensionInput {
  startAt: number;
  endAt: number;
  /** The grant's original length; the default extension. */
  durationSeconds: number;
  /** The tightest maximum among the grant's ports. */
  maxSeconds: number;
  /** How much longer the requester asked for; undefined: the default. */
  requestedSeconds?: number;
}

/**
 * The default extension is cut down to what is left under the maximum, as long
 * as something is left; once nothing is, or when the requester names a length
 * past it, the plan keeps the whole length and is marked `pastMax`.
 */
export function planExtension(input: ExtensionInput): ExtensionPlan {
  const { startAt, endAt, durationSeconds, maxSeconds, requestedSeconds } = input;
  const limit = startAt + maxSeconds * 1000;
  const room = Math.floor((limit - endAt) / 1000);
  const wanted = requestedSeconds ?? durationSeconds;
  const capped = requestedSeconds === undefined && room > 0 && wanted > room;
  const addedSeconds = capped ? room : wanted;
  const newEnd = endAt + addedSeconds * 1000;
  const totalSeconds = Math.ceil((newEnd - startAt) / 1000);
  const plan: ExtensionPlan = { endAt: newEnd, addedSeconds, totalSeconds, capped };
  if (newEnd <= limit) return plan;
  return { ...plan, pastMax: `${formatDuration(totalSeconds)} in all passes the port maximum of ${formatDuration(maxSeconds)} from the original start` };
}

/**
 * What an extension that cannot be applied at once must get: approvals. The
 * rule engine's require_approval stands as it is (the port maximum, when
 * passed, is added to its reasons); an automatic approval past the maximum,
 * or a break-glass rule (self-approval is for emergencies, not for more time),
 * needs one approval from the rule's or the policy's approvers. Undefined when
 * the extension needs no approval (an automatic approval within the maximum)
 * or cannot get one (a deny).
 */
export function extensionApprovalDecision(decision: Decision, pastMax: string | undefined, policyApprovers: string[]): Decision | undefined {
  if (decision.effect === 'deny') return undefined;
  if (decision.effect === 'approve' && pastMax === undefined) return undefined;
  const reasons = pastMax === undefined ? decision.reasons : [...decision.reasons, pastMax];
  if (decision.effect === 'require_approval') return { ...decision, approvalsNeeded: Math.max(1, decision.approvalsNeeded), reasons };
  const approvers = decision.effect === 'break_glass' && decision.approvers.length > 0 ? decision.approvers : policyApprovers;
  const { justificationError: _ignored, ...rest } = decision;
  return { ...rest, effect: 'require_approval', approvalsNeeded: 1, approvers, reasons };
}

/**
 * The tightest maximum among the policy ports this grant holds, or a reason
 * when the policy no longer offers one of them (a grant the policy dropped is
 * not extended; it runs out as granted).
 */
export function grantMaxSeconds(
  request: Pick<AccessRequest, 'vm' | 'ports'>,
  vm: VmPolicy | undefined,
): { ok: true; seconds: number } | { ok: false; reason: string } {
  if (!vm) return { ok: false, reason: `VM ${request.vm} is no longer in the policy` };
  let tightest: PortPolicy | undefined;
  for (const wanted of request.ports) {
    const port = vm.ports.find((candidate) => candidate.number === wanted.number && candidate.protocol === wanted.protocol);
    if (!port) return { ok: false, reason: `port ${wanted.number} on ${vm.name} is no longer open to requests` };
    if (!tightest || port.maxDurationSeconds < tightest.maxDurationSeconds) tightest = port;
  }
  if (!tightest) return { ok: false, reason: 'the grant names no port' };
  return { ok: true, seconds: tightest.maxDurationSeconds };
}

/**
 * When to warn the requester that their grant is about to end, or undefined
 * when no warning is owed: a grant no longer than the warning window (the
 * opened message already says when it ends), or one already warned for this end.
 */
export function expiryWarningAt(request: Pick<GrantRequest, 'state' | 'startAt' | 'endAt' | 'expiryWarnedFor'>, warningMs: number): number | undefined {
  if (request.state !== 'active' || request.startAt === undefined || request.endAt === undefined || warningMs <= 0) return undefined;
  if (request.expiryWarnedFor === request.endAt) return undefined;
  const at = request.endAt - warningMs;
  return at > request.startAt ? at : undefined;
}

/** True when the warning is owed right now: its time has come and the end has not. */
export function expiryWarningDue(request: Pick<GrantRequest, 'state' | 'startAt' | 'endAt' | 'expiryWarnedFor'>, warningMs: number, now: number): boolean {
  const at = expiryWarningAt(request, warningMs);
  return at !== undefined && at <= now && request.endAt !== undefined && now < request.endAt;
}
