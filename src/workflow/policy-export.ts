// The policy the bot runs (the policy file with the Slack overlay), written
// back in the file's own form so a team can commit it: `jit policy export`
// and `npm run policy:export`. Composed exactly as LivePolicy composes it.

import type { PolicyFormat } from '../domain/policy/document.js';
import { renderPolicy } from '../domain/policy/export.js';
import type { OverlayVm } from '../domain/policy/overlay.js';
import { composeRunningPolicy, notAppliedDetail, type PolicyFile } from './live-policy.js';

/** A policy file as read: its text and form besides what it says. */
export interface PolicyText extends PolicyFile {
  text: string;
  format: PolicyFormat;
}

export interface ExportedPolicy {
  text: string;
  /** One sentence per overlay entry that no longer validates and is left out. */
  leftOut: string[];
}

/** Throws JitError jit_policy_invalid when the file itself is invalid. */
export function exportRunningPolicy(file: PolicyText, overlay: readonly OverlayVm[]): ExportedPolicy {
  const composed = composeRunningPolicy(file, overlay);
  return {
    text: renderPolicy({ text: file.text, format: file.format, composed }),
    leftOut: composed.rejected.map(({ entry, problems }) => `left out: ${notAppliedDetail(entry, problems)}`),
  };
}
