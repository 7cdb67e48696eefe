// The audit channel: one thread per request. The root states what was asked
// and how the rule engine decided; each reply records one audit event, with
// its time, so the thread reads as the request's history.

import type { KnownBlock } from '@slack/types';
import type { AccessRequest, AuditEvent, SystemEvent } from '../../domain/types.js';
import type { SlackMessage } from './approval.js';
import { escapeTruncated, slackDate, truncate, userMention } from './escape.js';
import { askText, portsText, requestIdText, ruleText, sourceText, summaryLine, vmText } from './request-summary.js';
import { isBreakGlass } from '../../domain/request-kind.js';
import { plural } from '../../domain/wording.js';
import { checkpointLine, checkpointOfDetail } from '../../domain/audit-anchor.js';

const DETAIL_MAX = 1500;

export function auditRootMessage(request: AccessRequest): SlackMessage {
  const title = `*${kindText(request)} ${requestIdText(request.id)}* · ${effectText(request)} · ${slackDate(request.createdAt)}`;
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(`${title}\n${askText(request, DETAIL_MAX)}`, 3000) } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(capitalised(ruleText(request.decision)), 3000) }] },
  ];
  return { text: truncate(`${kindText(request)} ${summaryLine(request)}`, 3000), blocks };
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function kindText(request: AccessRequest): string {
  if (request.kind === 'extension') return 'Extension request';
  return isBreakGlass(request) ? 'Break-glass access' : 'Access request';
}

/** The rule engine's verdict in words; the rule and its reasons are in the context line. */
function effectText(request: AccessRequest): string {
  const { effect, approvalsNeeded } = request.decision;
  if (effect === 'approve') return 'approved by policy';
  if (effect === 'deny') return 'denied by policy';
  if (effect === 'break_glass') return 'opened without approval, review required';
  return `needs ${plural(approvalsNeeded, 'approval')}`;
}

/** One thread reply per audit event; the event time closes every line. */
export function auditReplyText(event: AuditEvent, request: AccessRequest): string {
  return `${eventLine(event, request)} · ${slackDate(event.at)}`;
}

function eventLine(event: AuditEvent, request: AccessRequest): string {
  const detail = event.detail ?? request.reason;
  const because = detail ? `: ${escapeTruncated(detail, DETAIL_MAX)}` : '';
  switch (event.name) {
    case 'request.created':
      return `Requested by ${userMention(event.actor)}`;
    case 'request.approval_added':
      return `${actor(event.actor)} approved (${tally(request)})`;
    case 'request.denial_added':
      return `${actor(event.actor)} denied; the rule lets the request wait for the other approvers (${tally(request)})${because}`;
    case 'request.reminded':
      return `Approvers reminded: ${tally(request)} so far`;
    case 'request.approved':
      if (request.decision.effect === 'break_glass')
        return `Opened by break-glass: ${actor(event.actor)} took access without approval; review required${breakGlassWhy(event)}`;
      if (event.actor === 'system') {
        const rule = request.decision.matchedRule;
        return rule === null ? 'Approved automatically' : `Approved automatically by rule \`${escapeTruncated(rule, 200)}\``;
      }
      return `Approved by ${actor(event.actor)}`;
    case 'request.denied':
      return `Denied by ${event.actor === 'system' ? 'policy' : actor(event.actor)}${because}`;
    case 'request.cancelled':
      if (event.actor === request.requester) return 'Cancelled by the requester';
      return event.actor === 'system' ? `Cancelled${because}` : `Cancelled by ${actor(event.actor)}`;
    case 'request.timed_out':
      return 'Timed out: nobody approved it in time';
    case 'grant.opened': {
      const opened = `Opened ${portsText(request.ports)} on *${vmText(request.vm)}* for ${sourceText(request.source)}`;
      // The detail names the public address and ports when a firewall translates them.
      const through = event.detail ? `, ${escapeTruncated(event.detail, DETAIL_MAX)}` : '';
      return request.endAt === undefined ? `${opened}${through}` : `${opened} until ${slackDate(request.endAt)}${through}`;
    }
    case 'grant.open_failed':
      return `Opening failed, nothing is open${because}`;
    case 'grant.closing':
      return `Closing${closingWhy(event, request)}`;
    case 'grant.closed':
      return `Closed ${portsText(request.ports)} on *${vmText(request.vm)}*`;
    case 'grant.close_failed':
      return `Closing failed, retrying until the backend confirms${because}`;
    case 'grant.extended': {
      const until = request.endAt === undefined ? '' : ` until ${slackDate(request.endAt)}`;
      return `Extended by ${actor(event.actor)}${until}${because}`;
    }
    case 'grant.expiry_warning':
      return `Requester warned that access ends soon${because}`;
    case 'request.acknowledged':
      return `Break-glass reviewed: acknowledged by ${actor(event.actor)}`;
    case 'extension.applied':
      return `Extension applied${because}`;
    case 'extension.failed':
      return `Extension approved but not applied${because}`;
    case 'grant.vanished':
      return `:warning: Drift: the firewall rules changed behind the bot's back${because}. Closing the rest of the grant`;
  }
}

/**
 * The loud, top-level message when a port will not close: it must reach a human
 * even if nobody watches the request's thread.
 */
export function auditAlertText(event: AuditEvent, request: AccessRequest): string {
  if (event.name === 'grant.vanished') {
    return (
      `<!here> :warning: Drift on *${vmText(request.vm)}* (request ${requestIdText(request.id)}): ` +
      `${escapeTruncated(event.detail ?? 'allow rules vanished', DETAIL_MAX)}. Someone or something changed the firewall outside the bot; ` +
      `the grant is being closed. · ${slackDate(event.at)}`
    );
  }
  const attempts = request.kind === 'grant' ? (request.closeAttempts ?? 0) : 0;
  const detail = event.detail ? `: ${escapeTruncated(event.detail, DETAIL_MAX)}` : '';
  return (
    `<!here> :rotating_light: ${portsText(request.ports)} on *${vmText(request.vm)}* for ${sourceText(request.source)} ` +
    `(request ${requestIdText(request.id)}) is still open: closing failed ${attempts} time${attempts === 1 ? '' : 's'}${detail}. ` +
    `The bot keeps retrying; check the firewall backend. · ${slackDate(event.at)}`
  );
}

/**
 * A top-level message for an event of the bot itself: drift no request
 * explains (an orphan allow rule, an `@here` alert), or a policy change made
 * from Slack (a plain line naming the admin and the change).
 */
export function systemEventText(event: SystemEvent): string {
  if (event.name === 'policy.vm_enabled' || event.name === 'policy.vm_changed') {
    return `:gear: ${actor(event.actor)} ${escapeTruncated(event.detail, DETAIL_MAX)} · ${slackDate(event.at)}`;
  }
  if (event.name === 'audit.checkpoint') {
    const checkpoint = checkpointOfDetail(event.detail);
    return checkpoint ? checkpointLine(checkpoint) : `Audit checkpoint: ${escapeTruncated(event.detail, DETAIL_MAX)}`;
  }
  if (event.name === 'audit.exported') {
    return `:outbox_tray: ${actor(event.actor)} exported the audit log: ${escapeTruncated(event.detail, DETAIL_MAX)} · ${slackDate(event.at)}`;
  }
  if (event.name === 'stream.dead_lettered') {
    return `<!here> :rotating_light: Event stream: ${escapeTruncated(event.detail, DETAIL_MAX)}. Later events keep flowing; check the sink, then replay what it missed. · ${slackDate(event.at)}`;
  }
  if (event.name === 'stream.replayed') {
    return `:repeat: ${actor(event.actor)} replays the event stream: ${escapeTruncated(event.detail, DETAIL_MAX)} · ${slackDate(event.at)}`;
  }
  if (event.name === 'stream.recovered') {
    return `:white_check_mark: Event stream: ${escapeTruncated(event.detail, DETAIL_MAX)} · ${slackDate(event.at)}`;
  }
  if (event.name === 'api.token_created' || event.name === 'api.token_revoked' || event.name === 'api.token_used') {
    const verb = { 'api.token_created': 'created', 'api.token_revoked': 'revoked', 'api.token_used': 'used' }[event.name];
    return `:key: ${actor(event.actor)} ${verb} an API token: ${escapeTruncated(event.detail, DETAIL_MAX)} · ${slackDate(event.at)}`;
  }
  if (event.name === 'policy.overlay_not_applied') {
    return `:warning: Policy: ${escapeTruncated(event.detail, DETAIL_MAX)} · ${slackDate(event.at)}`;
  }
  const icon = event.name === 'drift.orphan_closed' ? ':warning:' : ':rotating_light:';
  const title = event.name === 'drift.orphan_closed' ? 'Drift repaired' : 'Drift needs a human';
  return `<!here> ${icon} ${title}: ${escapeTruncated(event.detail, DETAIL_MAX)} · ${slackDate(event.at)}`;
}

/** `expired` and `revoked` are the workflow's own words; anything else is shown as given. */
function closingWhy(event: AuditEvent, request: AccessRequest): string {
  const why = event.detail ?? request.reason;
  if (why === undefined || why === '') return '';
  if (why === 'expired') return ': the end time was reached';
  if (why === 'revoked') return `: revoked by ${actor(event.actor)}`;
  if (why === 'vanished') return ': its firewall rules vanished before the end (drift)';
  return `: ${escapeTruncated(why, DETAIL_MAX)}`;
}

/** `: on-call emergency access`: the rule's reason, without the `break-glass:` the event detail starts with. */
function breakGlassWhy(event: AuditEvent): string {
  const why = (event.detail ?? '').replace(/^break-glass:\s*/, '');
  return why === '' ? '' : ` (${escapeTruncated(why, DETAIL_MAX)})`;
}

/** `1 of 2 approvals`. */
function tally(request: AccessRequest): string {
  const needed = request.decision.approvalsNeeded;
  return `${request.approvals.length} of ${plural(needed, 'approval')}`;
}

function actor(id: string): string {
  return id === 'system' ? 'the system' : userMention(id);
}
