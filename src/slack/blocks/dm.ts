// What the requester reads in their DM at each step. Written for the person
// waiting on a port: what happened, what is open and until when, how to connect.

import type { AccessRequest, AuditEventName, Endpoint, RequestedPort, VmPolicy } from '../../domain/types.js';
import { formatDuration } from '../../domain/duration.js';
import { escapeMrkdwn, escapeTruncated, mentionList, slackDate, userMention } from './escape.js';
import { extensionOfText, fromText, portsText, requestIdText, sourceText, vmText } from './request-summary.js';
import { isBreakGlass, reviewOf } from '../../domain/request-kind.js';

const REASON_MAX = 1500;

export function requesterDmText(event: AuditEventName, request: AccessRequest, connectHint?: string): string {
  const id = requestIdText(request.id);
  const what =
    request.kind === 'extension' ? `an ${extensionOfText(request)} on *${vmText(request.vm)}*` : `${portsText(request.ports)} on *${vmText(request.vm)}*`;
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
      if (isBreakGlass(request))
        return `Your break-glass request ${id} for ${what} needs no approval: opening access now. An approver will review it afterwards.`;
      if (request.kind === 'extension') return `Your request ${id} for ${what} was approved. Extending access now.`;
      return `Your request ${id} for ${what} was approved. Opening access now.`;
    case 'request.denied': {
      const by = request.decidedBy && request.decidedBy !== 'system' ? userMention(request.decidedBy) : 'policy';
      return sentence(`Your request ${id} for ${what} was denied by ${by}${reason}`);
    }
    case 'request.cancelled':
      if (request.decidedBy === undefined || request.decidedBy === request.requester) return `Your request ${id} for ${what} is cancelled.`;
      if (request.decidedBy === 'system') return sentence(`Your request ${id} for ${what} is cancelled${reason}`);
      return `Your request ${id} for ${what} was cancelled by ${userMention(request.decidedBy)}.`;
    case 'request.timed_out':
      if (request.kind === 'extension') return `Your request ${id} for ${what} timed out: nobody approved it in time. Click *Extend* again to ask anew.`;
      return `Your request ${id} for ${what} timed out: nobody approved it in time. Request again with \`/jit request\`.`;
    case 'grant.opened':
      return openedText(request, connectHint);
    case 'grant.open_failed':
      return `${sentence(`Opening ${what} for ${id} failed${reason}`)} Nothing was opened; try again or ask an admin.`;
    case 'grant.closing':
      return sentence(`Access ${id} to ${what} is closing${closingWhy(request)}`);
    case 'grant.closed':
      return sentence(`Access ${id} to ${what} is closed${request.reason === 'vanished' ? closingWhy(request) : ''}`);
    case 'grant.close_failed':
      return `${sentence(`Closing ${what} for ${id} failed${reason}`)} The bot keeps retrying until the firewall confirms.`;
    case 'grant.extended':
      return `Access ${id} to ${what} is extended: open until ${untilText(request)}.`;
    case 'grant.expiry_warning':
      return `Access ${id} to ${what} ends soon, at ${untilText(request)}. Need longer? Click *Extend*.`;
    case 'request.acknowledged':
      return `Your break-glass access ${id} to ${what} was reviewed by ${reviewerText(request)}.`;
    case 'extension.applied':
      return `Your request ${id} for ${what} was approved and applied.`;
    case 'extension.failed':
      return sentence(`Your request ${id} for ${what} was approved but could not be applied${reason}`);
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
  const asked =
    request.kind === 'extension'
      ? `Your request ${id} for ${what}`
      : `Your request ${id} for ${what} ${fromText(request.source)} for ${formatDuration(request.durationSeconds)}`;
  const { effect, approvers, approvalsNeeded } = request.decision;
  if (effect === 'deny') {
    const reasons = request.decision.reasons.join('; ');
    return sentence(`${asked} was denied by policy${reasons ? `: ${escapeTruncated(reasons, REASON_MAX)}` : ''}`);
  }
  if (effect === 'approve') return `${asked} was approved by policy. Opening access now.`;
  if (effect === 'break_glass') return `${asked} is opening now by break-glass, without approval. An approver will review it afterwards.`;
  const count = approvalsNeeded === 1 ? '' : ` (${approvalsNeeded} approvals needed)`;
  return `${asked} is waiting for approval from ${mentionList(approvers)}${count}.`;
}

/** `Port 22 on web-1 is open for 198.51.100.7/32 until <!date…> (request #k7m2qp).`, then how to connect. */
function openedText(request: AccessRequest, connectHint?: string): string {
  const plural = request.ports.length > 1;
  const ports = request.ports.map(openedPortText).join(', ');
  const source = request.source === '*' ? 'any source' : sourceText(request.source);
  const until = request.endAt === undefined ? '' : ` until ${slackDate(request.endAt)}`;
  const line = `${plural ? 'Ports' : 'Port'} ${ports} on *${vmText(request.vm)}* ${plural ? 'are' : 'is'} open for ${source}${until} (request ${requestIdText(request.id)}).`;
  return connectHint ? `${line}\nConnect: ${connectHint}` : line;
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
 * How the requester reaches an open grant: through the endpoints a firewall's
 * DNAT gave it when there are any, else at the VM's own address.
 */
export function grantConnectHint(request: AccessRequest, vm: VmPolicy | undefined): string | undefined {
  if (request.kind === 'grant' && request.endpoints !== undefined && request.endpoints.length > 0) return endpointHint(request.endpoints);
  return vm ? connectHint(vm, request.ports) : undefined;
}

/**
 * The DNAT mappings as commands, each alone in a code span: `ssh -p 50022
 * user@20.1.2.3` for 22, `mstsc /v:20.1.2.3:53389` for 3389, and
 * `20.1.2.3:55985` for 5985 otherwise.
 */
export function endpointHint(endpoints: readonly Endpoint[]): string {
  const code = (text: string): string => `\`${escapeMrkdwn(text)}\``;
  const seen = new Set<string>();
  const hints: string[] = [];
  for (const { port, host, hostPort } of endpoints) {
    const hostAndPort = host.includes(':') ? `[${host}]:${hostPort}` : `${host}:${hostPort}`;
    const line =
      port === 22
        ? code(hostPort === 22 ? `ssh user@${host}` : `ssh -p ${hostPort} user@${host}`)
        : port === 3389
          ? code(`mstsc /v:${hostAndPort}`)
          : `${code(hostAndPort)} for ${port}`;
    if (seen.has(line)) continue;
    seen.add(line);
    hints.push(line);
  }
  return hints.join(' · ');
}

/**
 * How to reach the opened ports, as mrkdwn: each command alone in a code span
 * (so a tap copies just the command), the words around it outside:
 * `ssh 10.0.0.4` for 22, RDP to `10.0.0.4:3389` for 3389, `10.0.0.4:8080` otherwise.
 */
export function connectHint(vm: VmPolicy, ports: readonly RequestedPort[]): string | undefined {
  if (vm.address === undefined || vm.address === '' || ports.length === 0) return undefined;
  const address = vm.address;
  // IPv6 literals need brackets before a `:port` suffix, not after `ssh`.
  const hostPort = (port: number): string => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);
  const code = (text: string): string => `\`${escapeMrkdwn(text)}\``;
  const seen = new Set<number>();
  const hints: string[] = [];
  for (const { number } of ports) {
    if (seen.has(number)) continue;
    seen.add(number);
    if (number === 22) hints.push(code(`ssh ${address}`));
    else if (number === 3389) hints.push(`RDP to ${code(hostPort(3389))}`);
    else hints.push(code(hostPort(number)));
  }
  return hints.join(' · ');
}

/** Ends `text` with a full stop unless it already ends a sentence (a reason typed with its own `.`). */
function sentence(text: string): string {
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}

function reviewerText(request: AccessRequest): string {
  const review = reviewOf(request);
  return review ? userMention(review.by) : 'an approver';
}
