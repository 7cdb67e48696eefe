// How far an active grant may be extended, and when its requester is warned
// before the end. Pure: times come in as epoch ms, answers go out as data.
//
// The ceiling is the port's maximum counted from the grant's ORIGINAL start:
// extending never buys more total time than one request could have asked for.

import { formatDuration } from './duration.js';
import type { AccessRequest, PortPolicy, VmPolicy } from './types.js';

export type ExtensionPlan =
  | {
      ok: true;
      endAt: number;
      /** Seconds added to the current end. */
      addedSeconds: number;
      /** Seconds from the original start to the new end: what the rule engine judges. */
      totalSeconds: number;
      /** True when the default length was cut down to the port maximum. */
      capped: boolean;
    }
  | { ok: false; reason: string };

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

export function planExtension(input: ExtensionInput): ExtensionPlan {
  const { startAt, endAt, durationSeconds, maxSeconds, requestedSeconds } = input;
  const limit = startAt + maxSeconds * 1000;
  const room = Math.floor((limit - endAt) / 1000);
  const max = formatDuration(maxSeconds);
  if (room <= 0) {
    return { ok: false, reason: `it already runs for the maximum of ${max} from its start` };
  }
  if (requestedSeconds !== undefined && requestedSeconds > room) {
    return { ok: false, reason: `${formatDuration(requestedSeconds)} more would pass the maximum of ${max} from its start: ask for ${formatDuration(room)} or less` };
  }
  const wanted = requestedSeconds ?? durationSeconds;
  const addedSeconds = Math.min(wanted, room);
  const newEnd = endAt + addedSeconds * 1000;
  return { ok: true, endAt: newEnd, addedSeconds, totalSeconds: Math.ceil((newEnd - startAt) / 1000), capped: addedSeconds < wanted };
}

/**
 * The tightest maximum among the policy ports this grant holds, or a reason
 * when the policy no longer offers one of them (a grant the policy dropped is
 * not extended; it runs out as granted).
 */
export function grantMaxSeconds(request: Pick<AccessRequest, 'vm' | 'ports'>, vm: VmPolicy | undefined): { ok: true; seconds: number } | { ok: false; reason: string } {
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
export function expiryWarningAt(request: Pick<AccessRequest, 'state' | 'startAt' | 'endAt' | 'expiryWarnedFor'>, warningMs: number): number | undefined {
  if (request.state !== 'active' || request.startAt === undefined || request.endAt === undefined || warningMs <= 0) return undefined;
  if (request.expiryWarnedFor === request.endAt) return undefined;
  const at = request.endAt - warningMs;
  return at > request.startAt ? at : undefined;
}

/** True when the warning is owed right now: its time has come and the end has not. */
export function expiryWarningDue(request: Pick<AccessRequest, 'state' | 'startAt' | 'endAt' | 'expiryWarnedFor'>, warningMs: number, now: number): boolean {
  const at = expiryWarningAt(request, warningMs);
  return at !== undefined && at <= now && request.endAt !== undefined && now < request.endAt;
}
