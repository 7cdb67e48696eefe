// The facts of one request, rendered the same way in the approval message, the
// audit thread and the list, so an approver and an auditor read identical text.

import type { MrkdwnElement, SectionBlock } from '@slack/types';
import { formatDuration } from '../../domain/duration.js';
import type { AccessRequest, Decision, RequestedPort } from '../../domain/types.js';
import { escapeMrkdwn, escapeTruncated, userMention } from './escape.js';

/** Slack rejects a section field longer than this. */
export const FIELD_MAX = 2000;

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

/** How people refer to a request in Slack and in `/jit cancel <id>`. */
export function requestIdText(id: string): string {
  return `#${escapeMrkdwn(id)}`;
}

export function vmText(vm: string): string {
  return escapeTruncated(vm, 200);
}

/** The rule that decided, or `default` when none matched, followed by its reasons. */
export function decisionText(decision: Decision, max = FIELD_MAX): string {
  const rule = decision.matchedRule === null ? 'default' : `\`${escapeMrkdwn(decision.matchedRule)}\``;
  const reasons = decision.reasons.map(escapeMrkdwn).join('; ');
  const text = reasons.length > 0 ? `${rule}: ${reasons}` : rule;
  return text.length <= max ? text : `${rule}: ${escapeTruncated(decision.reasons.join('; '), max - rule.length - 2)}`;
}

/** The justification as the requester typed it, inert and short enough for one field. */
export function justificationText(justification: string, max: number): string {
  const trimmed = justification.trim();
  return trimmed.length === 0 ? '_none given_' : escapeTruncated(trimmed, max);
}

function field(label: string, value: string): MrkdwnElement {
  const prefix = `*${label}*\n`;
  // Every caller passes values already escaped; the cut is a last guard on the limit.
  const text = prefix + value;
  return { type: 'mrkdwn', text: text.length <= FIELD_MAX ? text : `${text.slice(0, FIELD_MAX - 1)}…` };
}

/** Eight fields (Slack allows ten), each within the 2000-character field limit. */
export function summaryFields(request: AccessRequest): MrkdwnElement[] {
  return [
    field('Requester', userMention(request.requester)),
    field('Request', requestIdText(request.id)),
    field('VM', vmText(request.vm)),
    field('Ports', portsText(request.ports)),
    field('Source', sourceText(request.source)),
    field('Duration', formatDuration(request.durationSeconds)),
    field('Justification', justificationText(request.justification, FIELD_MAX - '*Justification*\n'.length)),
    field('Decided by rule', decisionText(request.decision, FIELD_MAX - '*Decided by rule*\n'.length)),
  ];
}

export function summarySection(request: AccessRequest): SectionBlock {
  return { type: 'section', fields: summaryFields(request) };
}

/** One plain line for notification fallbacks: only IDs we generate and escaped names. */
/** `Extension of #k7m2qp: +1h, total 4h from the original start`, for an extension request; undefined otherwise. */
export function extensionLine(request: AccessRequest): string | undefined {
  if (request.kind !== 'extension') return undefined;
  // Extensions stored before the total was kept have none.
  const total = request.extensionTotalSeconds === undefined ? '' : `, total ${formatDuration(request.extensionTotalSeconds)} from the original start`;
  return `Extension of ${requestIdText(request.extends)}: +${formatDuration(request.durationSeconds)}${total}`;
}

export function summaryLine(request: AccessRequest): string {
  const extension = extensionLine(request);
  if (extension)
    return `${requestIdText(request.id)}: ${extension}, asked by ${userMention(request.requester)} for ${portsText(request.ports)} on ${vmText(request.vm)}`;
  return `${requestIdText(request.id)}: ${userMention(request.requester)} asks for ${portsText(request.ports)} on ${vmText(request.vm)} from ${sourceText(request.source)} for ${formatDuration(request.durationSeconds)}`;
}
