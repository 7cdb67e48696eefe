// An evaluation as plain lines of text for `/jit explain`: the decision, what
// the matched rule asks of the justification, and why each earlier rule did not
// match. Plain text: the Slack layer escapes it and turns IDs into mentions.

import { formatDuration } from './duration.js';
import type { JustificationPolicy } from './justification.js';
import { DEFAULT_PENDING_TIMEOUT_SECONDS, requireApprovalReason, type Evaluation } from './rules.js';
import type { Decision } from './types.js';
import { orList, plural } from './wording.js';

export function explainLines(evaluation: Evaluation): string[] {
  const { decision, trace, justification } = evaluation;
  const lines = [decisionLine(decision)];
  if (decision.effect === 'require_approval') lines.push(waitingLine(decision));
  if (justification !== undefined) lines.push(justificationLine(justification));
  for (const row of trace) {
    if (!row.matched) lines.push(`rule ${row.rule} did not match: ${row.failed.join('; ')}`);
  }
  return lines;
}

function decisionLine(decision: Decision): string {
  const which = decision.matchedRule === null ? 'no rule matched' : `rule ${decision.matchedRule}`;
  const reasons = decision.reasons.join('; ');
  switch (decision.effect) {
    case 'approve':
      return `Decision: approved at once (${which}): ${reasons}`;
    case 'deny':
      return `Decision: denied (${which}): ${reasons}`;
    case 'break_glass':
      return `Decision: break-glass, opens at once and ${orList(decision.approvers)} must acknowledge it afterwards (${which}): ${reasons}`;
    case 'require_approval': {
      const needs = `Decision: needs ${plural(decision.approvalsNeeded, 'approval')} from ${orList(decision.approvers)} (${which})`;
      // The generated reasons only repeat what the line already says.
      const generated = decision.matchedRule === null || reasons === requireApprovalReason(decision.matchedRule, decision.approvalsNeeded);
      return generated ? needs : `${needs}: ${reasons}`;
    }
  }
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
