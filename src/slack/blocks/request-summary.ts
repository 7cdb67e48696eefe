// The facts of one request, rendered the same way in the approval message, the
// audit thread, the Home and the list, so an approver and an auditor read
// identical text. Written for a phone: who, what, from where, how long, why;
// the request ID and the rule that decided go last, in a context line.

import type { ContextBlock, SectionBlock } from '@slack/types';
import { formatDuration } from '../../domain/duration.js';
import type { AccessRequest, Decision, ExtensionRequest, RequestedPort } from '../../domain/types.js';
import { isBreakGlass } from '../../domain/request-kind.js';
import { escapeMrkdwn, escapeTruncated, slackDate, truncate, userMention } from './escape.js';

/** The most a rule's reasons take in one line. */
const FIELD_MAX = 2000;

/** Slack's limit on a section's text, and the most a context element shows here. */
const TEXT_MAX = 3000;

/** `22/TCP, 3389/TCP`; Azure's `*` protocol reads as `any`. */
export function portsText(ports: readonly RequestedPort[]): string {
  if (ports.length === 0) return 'no ports';
  return ports.map(portText).join(', ');
}

export function portText(port: RequestedPort): string {
  return `${port.number}/${port.protocol === '*' ? 'any' : port.protocol}`;
}

/** `*` is the wildcard for any source address; everything else is a CIDR, escaped anyway. */
export function sourceText(source: string): string {
  return source === '*' ? 'any source' : escapeMrkdwn(source);
}

/** `*`, `0.0.0.0/0` or `::/0`: a source that lets the whole internet in. */
function isAnySource(source: string): boolean {
  return source === '*' || /^(0\.0\.0\.0|::)\/0$/.test(source);
}

/** `from 198.51.100.7/32`; a source open to everyone gets a warning nobody can miss. */
export function fromText(source: string): string {
  if (source === '*') return ':warning: from any address';
  if (isAnySource(source)) return `:warning: from any address (${escapeMrkdwn(source)})`;
  return `from ${escapeMrkdwn(source)}`;
}

/** How people refer to a request in Slack and in `/jit cancel <id>`. */
export function requestIdText(id: string): string {
  return `#${escapeMrkdwn(id)}`;
}

export function vmText(vm: string): string {
  return escapeTruncated(vm, 200);
}

/** `extension of #k7m2qp (+30m)`: what an extension request asks, in its own words. */
export function extensionOfText(request: ExtensionRequest): string {
  return `extension of ${requestIdText(request.extends)} (+${formatDuration(request.durationSeconds)})`;
}

/** The rule that decided, or `default` when none matched, followed by its reasons. */
export function decisionText(decision: Decision, max = FIELD_MAX): string {
  const rule = decision.matchedRule === null ? 'default' : `\`${escapeMrkdwn(decision.matchedRule)}\``;
  const reasons = decision.reasons.map(escapeMrkdwn).join('; ');
  const text = reasons.length > 0 ? `${rule}: ${reasons}` : rule;
  return text.length <= max ? text : `${rule}: ${escapeTruncated(decision.reasons.join('; '), max - rule.length - 2)}`;
}

/** The justification as a quote (every line of it), or a note that there is none. */
export function justificationQuote(justification: string, max: number): string {
  const trimmed = justification.trim();
  if (trimmed.length === 0) return '_No justification given._';
  return `> ${escapeTruncated(trimmed, max).replace(/\n+/g, '\n> ')}`;
}

/**
 * What was asked, in three short lines: `<@U> asks for 22/TCP on *web-1*`,
 * `from 198.51.100.7/32 · for 1h`, then the justification quoted. An extension
 * says which grant it extends and by how much.
 */
export function askText(request: AccessRequest, justificationMax = 1000): string {
  const who = userMention(request.requester);
  const what = `${portsText(request.ports)} on *${vmText(request.vm)}*`;
  const lines =
    request.kind === 'extension'
      ? [`${who} asks for an ${extensionOfText(request)}: ${what}`, `${fromText(request.source)} · ${formatDuration(request.extensionTotalSeconds)} in all`]
      : [`${who} ${verb(request)} ${what}`, `${fromText(request.source)} · for ${formatDuration(request.durationSeconds)}`];
  return [...lines, justificationQuote(request.justification, justificationMax)].join('\n');
}

/** A break-glass grant was not asked for: it was opened at once. */
function verb(request: AccessRequest): string {
  return isBreakGlass(request) ? 'opened' : 'asks for';
}

/** `rule `web-short`: short web access is automatic`, or the default's reasons when no rule matched. */
export function ruleText(decision: Decision, max = 1500): string {
  const reasons = decision.reasons.join('; ');
  // A rule without a `reason` of its own is explained by a sentence that already names it: say it once.
  const named = decision.matchedRule === null || reasons.startsWith(`rule ${decision.matchedRule} `);
  if (decision.matchedRule !== null && !named) return `rule ${decisionText(decision, max)}`;
  return reasons.length > 0 ? escapeTruncated(reasons, max) : 'no rule matched';
}

/** `#k7m2qp · rule `x`: reasons · asked <date>`: the details an approver rarely needs, in small print. */
export function detailsContext(request: AccessRequest): ContextBlock {
  const text = `${requestIdText(request.id)} · ${ruleText(request.decision)} · asked ${slackDate(request.createdAt)}`;
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, TEXT_MAX) }] };
}

export function askSection(request: AccessRequest): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(askText(request), TEXT_MAX) } };
}

/** One plain line for notification fallbacks: only IDs we generate and escaped names. */
export function summaryLine(request: AccessRequest): string {
  const what = `${portsText(request.ports)} on ${vmText(request.vm)}`;
  if (request.kind === 'extension') return `${requestIdText(request.id)}: ${userMention(request.requester)} asks for an ${extensionOfText(request)}: ${what}`;
  return `${requestIdText(request.id)}: ${userMention(request.requester)} ${verb(request)} ${what} ${fromText(request.source)} for ${formatDuration(request.durationSeconds)}`;
}
