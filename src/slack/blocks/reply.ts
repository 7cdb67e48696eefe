// The ephemeral answer to `/jit request …`: what happened to the request just made.

import type { AccessRequest } from '../../domain/types.js';
import { formatDuration } from '../../domain/duration.js';
import { escapeTruncated, mentionList, slackDate } from './escape.js';
import { portsText, requestIdText, sourceText, vmText } from './request-summary.js';

export function requestAcceptedText(request: AccessRequest): string {
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
