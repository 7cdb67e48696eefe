// An evaluation as lines for `/jit explain`: the decision, what the matched
// rule asks of the justification, and why each earlier rule did not match.
// Messages: each surface escapes the text and shows the approvers and
// requesters a rule names its own way (a mention in Slack).

import { formatDuration } from './duration.js';
import type { JustificationPolicy } from './justification.js';
import { type Message, msg, principals } from './message.js';
import { DEFAULT_PENDING_TIMEOUT_SECONDS, requireApprovalReason, type Evaluation } from './rules.js';
import type { Decision } from './types.js';
import { plural } from './wording.js';

export function explainLines(evaluation: Evaluation): Message[] {
  const { decision, trace, justification } = evaluation;
  const lines: Message[] = [decisionLine(decision)];
  if (decision.effect === 'require_approval') lines.push([waitingLine(decision)]);
  if (justification !== undefined) lines.push([justificationLine(justification)]);
  for (const row of trace) {
    if (!row.matched) lines.push(msg`rule ${row.rule} did not match: ${joined(row.failed, '; ')}`);
  }
  return lines;
}

function decisionLine(decision: Decision): Message {
  const which = decision.matchedRule === null ? 'no rule matched' : `rule ${decision.matchedRule}`;
  const reasons = decision.reasons.join('; ');
  switch (decision.effect) {
    case 'approve':
      return [`Decision: approved at once (${which}): ${reasons}`];
    case 'deny':
      return [`Decision: denied (${which}): ${reasons}`];
    case 'break_glass':
      return msg`Decision: break-glass, opens at once and ${principals(decision.approvers)} must acknowledge it afterwards (${which}): ${reasons}`;
    case 'require_approval': {
      const needs = msg`Decision: needs ${plural(decision.approvalsNeeded, 'approval')} from ${principals(decision.approvers)} (${which})`;
      // The generated reasons only repeat what the line already says.
      const generated = decision.matchedRule === null || reasons === requireApprovalReason(decision.matchedRule, decision.approvalsNeeded);
      return generated ? needs : msg`${needs}: ${reasons}`;
    }
  }
}

function joined(messages: readonly Message[], separator: string): Message {
  return messages.flatMap((message, i) => (i === 0 ? [...message] : [separator, ...message]));
}

function waitingLine(decision: Decision): string {
  const timeout = formatDuration(decision.pendingTimeoutSeconds ?? DEFAULT_PENDING_TIMEOUT_SECONDS);
  const deny = decision.denyEndsRequest === false ? 'a Deny is recorded but does not end it' : 'one Deny ends it';
  return `Waits up to ${timeout} for approvals; ${deny}.`;
}

function justificationLine(policy: JustificationPolicy): string {
  const hint = policy.hint === undefined ? '' : ` (${policy.hint})`;
  if (policy.pattern === undefined) return `Justification: ${policy.required ? 'required' : 'optional'}${hint}.`;
  const pattern = policy.pattern.source;
  if (policy.required) return `Justification: required, matching ${pattern}${hint}.`;
  return `Justification: optional, but one given must match ${pattern}${hint}.`;
}
