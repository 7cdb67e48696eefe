// Use case: `/jit explain` — what the rules would decide for a request, and why
// each earlier rule did not match. Stores nothing, changes nothing.

import { validateDraft } from '../domain/draft.js';
import { explainLines } from '../domain/explain.js';
import type { Message } from '../domain/message.js';
import { evaluate } from '../domain/rules.js';
import type { Decision } from '../domain/types.js';
import type { WorkflowContext } from './context.js';
import { type FieldProblem, prepare, type RequestInput, ruleInputFor } from './create-request.js';

export type ExplainResult = { ok: true; decision: Decision; lines: Message[] } | { ok: false; problems: FieldProblem[] };

export async function explainRequest(ctx: WorkflowContext, input: RequestInput): Promise<ExplainResult> {
  const prepared = await prepare(ctx, input, validateDraft);
  if (!prepared.ok) return { ok: false, problems: prepared.problems };
  const { policy } = prepared;
  const { draft, vm } = prepared.valid;
  const ruleInput = (await ruleInputFor(ctx, policy, draft, vm)).input;
  const evaluation = evaluate(ruleInput, policy);
  return { ok: true, decision: evaluation.decision, lines: explainLines(evaluation) };
}
