// The ephemeral answer to `/jit request …`: what happened to the request just made.

import type { AccessRequest } from '../../domain/types.js';
import { formatDuration } from '../../domain/duration.js';
import { escapeTruncated, mentionList, slackDate } from './escape.js';
import { isWholeFamily, parseCidr } from '../../domain/cidr.js';
import { portsText, requestIdText, sourceText, vmText } from './request-summary.js';

/**
 * A warning for a request that will open (or did open) to every address on
 * the internet: allowed by the policy, but rarely what someone meant to ask.
 * Undefined for a denied or failed request, or a source narrower than that.
 */
export function anySourceWarning(requests: readonly AccessRequest[]): string | undefined {
  const open = requests.some((r) => opensToEveryone(r.source) && r.state !== 'denied' && r.state !== 'failed');
  if (!open) return undefined;
  return ':warning: *Open to any address*: anyone on the internet can reach these ports while access is open. Prefer your own address, e.g. `203.0.113.7`.';
}

/** `*`, or a CIDR with prefix 0 (`0.0.0.0/0`, `::/0`). */
function opensToEveryone(source: string): boolean {
  if (source === '*') return true;
  const parsed = parseCidr(source);
  return parsed.ok && isWholeFamily(parsed.cidr);
}

export function requestAcceptedText(request: AccessRequest): string {
  const warning = anySourceWarning([request]);
  const text = acceptedText(request);
  return warning === undefined ? text : `${text}\n${warning}`;
}

function acceptedText(request: AccessRequest): string {
  const id = requestIdText(request.id);
  const what = `${portsText(request.ports)} on *${vmText(request.vm)}* from ${sourceText(request.source)} for ${formatDuration(request.durationSeconds)}`;
  const reason = request.reason ? escapeTruncated(request.reason, 1000) : '';
  switch (request.state) {
    case 'pending': {
      const needed = request.decision.approvalsNeeded;
      return `Request ${id} for ${what} is waiting for ${needed === 1 ? 'one approval' : `${needed} approvals`} from ${mentionList(request.decision.approvers)}. You will get a DM when it is decided. Withdraw it with \`/jit cancel ${request.id}\`.`;
    }
    case 'active':
      if (request.decision.effect === 'break_glass') {
        return `Break-glass ${id}: ${what} is open until ${slackDate(request.endAt ?? 0)}, without approval. The audit channel was alerted and approvers will review it. Close it early with \`/jit revoke ${request.id}\`.`;
      }
      return `Request ${id} for ${what} was approved automatically: open until ${slackDate(request.endAt ?? 0)}. Close it early with \`/jit revoke ${request.id}\`.`;
    case 'denied':
      return `Request ${id} for ${what} was denied: ${reason}`;
    case 'failed':
      return `Request ${id} for ${what} was approved but could not be opened: ${reason}`;
    default:
      return `Request ${id} for ${what} is ${request.state.replace('_', ' ')}.`;
  }
}
