// What the requester reads in their DM at each step. Written for the person
// waiting on a port: what happened, what is open and until when, how to connect.

import type { AccessRequest, AuditEventName, RequestedPort, VmPolicy } from '../../domain/types.js';
import { formatDuration } from '../../domain/duration.js';
import { escapeMrkdwn, escapeTruncated, mentionList, slackDate, userMention } from './escape.js';
import { extensionLine, portsText, requestIdText, sourceText, vmText } from './request-summary.js';
import { reviewOf } from '../../domain/request-kind.js';

const REASON_MAX = 1500;

export function requesterDmText(event: AuditEventName, request: AccessRequest, connectHint?: string): string {
  const id = requestIdText(request.id);
  const what =
    request.kind === 'extension'
      ? `${formatDuration(request.durationSeconds)} more on ${requestIdText(request.extends)} (${portsText(request.ports)} on *${vmText(request.vm)}*)`
      : `${portsText(request.ports)} on *${vmText(request.vm)}*`;
  const reason = request.reason ? `: ${escapeTruncated(request.reason, REASON_MAX)}` : '';
  switch (event) {
    case 'request.created':
      return createdText(request, id, what);
    case 'request.approval_added': {
      const needed = request.decision.approvalsNeeded;
      return `Your request ${id} for ${what} has ${request.approvals.length} of ${needed} approval${needed === 1 ? '' : 's'} (${mentionList(request.approvals, 20, userMention)}).`;
    }
    case 'request.denial_added': {
      const denials = request.denials ?? [];
      const by = denials.length > 0 ? mentionList(denials, 20, userMention) : 'an approver';
      return `Your request ${id} for ${what} was denied by ${by}, but it stays open: ${stillNeeds(request)} from the other approvers before it times out.`;
    }
    case 'request.reminded':
      return `The approvers of your request ${id} for ${what} were reminded: it still needs ${stillNeeds(request)}.`;
    case 'request.approved':
      if (request.kind === 'extension') return `Your request ${id} for ${what} was approved. Extending access now.`;
      return `Your request ${id} for ${what} was approved. Opening access now.`;
    case 'request.denied': {
      const by = request.decidedBy && request.decidedBy !== 'system' ? userMention(request.decidedBy) : 'policy';
      return `Your request ${id} for ${what} was denied by ${by}${reason}.`;
    }
    case 'request.cancelled':
      if (request.decidedBy === undefined || request.decidedBy === request.requester) return `Your request ${id} for ${what} is cancelled.`;
      if (request.decidedBy === 'system') return `Your request ${id} for ${what} is cancelled${reason}.`;
      return `Your request ${id} for ${what} was cancelled by ${userMention(request.decidedBy)}.`;
    case 'request.timed_out':
      if (request.kind === 'extension') return `Your request ${id} for ${what} timed out: nobody approved it in time. Click *Extend* again to ask anew.`;
      return `Your request ${id} for ${what} timed out: nobody approved it in time. Request again with \`/jit request\`.`;
    case 'grant.opened':
      return openedText(request, connectHint);
    case 'grant.open_failed':
      return `Opening ${what} for ${id} failed${reason}. Nothing was opened; try again or ask an admin.`;
    case 'grant.closing':
      return `Access ${id} to ${what} is closing${closingWhy(request)}.`;
    case 'grant.closed':
      return `Access ${id} to ${what} is closed${request.reason === 'vanished' ? closingWhy(request) : ''}.`;
    case 'grant.close_failed':
      return `Closing ${what} for ${id} failed${reason}. The bot keeps retrying until the firewall confirms.`;
    case 'grant.extended':
      return `Access ${id} to ${what} is extended: open until ${untilText(request)}.`;
    case 'grant.expiry_warning':
      return `Access ${id} to ${what} ends soon, at ${untilText(request)}. Need longer? Click *Extend*.`;
    case 'request.acknowledged':
      return `Your break-glass access ${id} to ${what} was reviewed by ${reviewerText(request)}.`;
    case 'extension.applied':
      return `Your request ${id} for ${what} was approved and applied.`;
    case 'extension.failed':
      return `Your request ${id} for ${what} was approved but could not be applied${reason}.`;
    case 'grant.vanished':
      return `Access ${id} to ${what} lost its firewall rules before the end (someone changed the firewall); the bot is closing the rest.`;
  }
}

/** `1 more approval`: how far a pending request is from its quorum. */
function stillNeeds(request: AccessRequest): string {
  const missing = Math.max(1, request.decision.approvalsNeeded - new Set(request.approvals).size);
  return `${missing} more approval${missing === 1 ? '' : 's'}`;
}

function createdText(request: AccessRequest, id: string, what: string): string {
  const extension = extensionLine(request);
  const asked = extension
    ? `Your request ${id} (${extension}, ${portsText(request.ports)} on *${vmText(request.vm)}*)`
    : `Your request ${id} for ${what} from ${sourceText(request.source)} for ${formatDuration(request.durationSeconds)}`;
  const { effect, approvers, approvalsNeeded } = request.decision;
  if (effect === 'deny') {
    const reasons = request.decision.reasons.join('; ');
    return `${asked} was denied by policy${reasons ? `: ${escapeTruncated(reasons, REASON_MAX)}` : ''}.`;
  }
  if (effect === 'approve') return `${asked} was approved by policy. Opening access now.`;
  const count = approvalsNeeded === 1 ? '' : ` (${approvalsNeeded} approvals needed)`;
  return `${asked} is waiting for approval from ${mentionList(approvers)}${count}.`;
}

/** `Port 22 on web-1 is open for 198.51.100.7/32 until <!date…>`, then how to connect. */
function openedText(request: AccessRequest, connectHint?: string): string {
  const plural = request.ports.length > 1;
  const ports = request.ports.map(openedPortText).join(', ');
  const source = request.source === '*' ? 'any source' : sourceText(request.source);
  const until = request.endAt === undefined ? '' : ` until ${slackDate(request.endAt)}`;
  const line = `${plural ? 'Ports' : 'Port'} ${ports} on *${vmText(request.vm)}* ${plural ? 'are' : 'is'} open for ${source}${until}.`;
  return connectHint ? `${line}\nConnect: \`${escapeMrkdwn(connectHint)}\`` : line;
}

function untilText(request: AccessRequest): string {
  return request.endAt === undefined ? 'its end time' : slackDate(request.endAt);
}

/** TCP is what almost every management port is; only the exceptions name their protocol. */
function openedPortText(port: RequestedPort): string {
  if (port.protocol === 'TCP') return String(port.number);
  return `${port.number}/${port.protocol === '*' ? 'any' : port.protocol}`;
}

function closingWhy(request: AccessRequest): string {
  if (request.reason === 'expired') return ': the end time was reached';
  if (request.reason === 'vanished') return ': its firewall rules vanished before the end, so the bot closed the rest';
  if (request.reason === 'revoked') {
    return request.decidedBy && request.decidedBy !== 'system' ? `: revoked by ${userMention(request.decidedBy)}` : ': revoked';
  }
  return request.reason ? `: ${escapeTruncated(request.reason, REASON_MAX)}` : '';
}

/**
 * How to reach the opened ports, as plain text (callers escape it): `ssh <address>`
 * for 22, `RDP to <address>:3389` for 3389, `<address>:<port>` otherwise.
 */
export function connectHint(vm: VmPolicy, ports: readonly RequestedPort[]): string | undefined {
  if (vm.address === undefined || vm.address === '' || ports.length === 0) return undefined;
  const address = vm.address;
  // IPv6 literals need brackets before a `:port` suffix, not after `ssh`.
  const hostPort = (port: number): string => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);
  const seen = new Set<number>();
  const hints: string[] = [];
  for (const { number } of ports) {
    if (seen.has(number)) continue;
    seen.add(number);
    if (number === 22) hints.push(`ssh ${address}`);
    else if (number === 3389) hints.push(`RDP to ${hostPort(3389)}`);
    else hints.push(hostPort(number));
  }
  return hints.join('; ');
}

function reviewerText(request: AccessRequest): string {
  const review = reviewOf(request);
  return review ? userMention(review.by) : 'an approver';
}
