// Refusals that are about the caller rather than one request: who they are,
// how often they ask, whether they administer the bot or read its audit log.

import { msg, principalList } from '../message.js';
import type { Entries } from './entry.js';

export const ACCESS_REFUSALS = {
  /** The caller is not a non-empty user ID (a payload without one): nobody to authorise. */
  unknown_caller: {
    error: 'jit_not_allowed',
    message: (_: Record<string, never>) => msg`I could not tell who sent this, so nothing was changed.`,
  },
  /** A right on a request was asked about without the request (the ID is not known here). */
  request_missing: {
    error: 'jit_not_found',
    message: (_: Record<string, never>) => msg`There is no such request, so nothing was changed.`,
  },
  /** Per requester (workflow/access-workflow.ts): `max` requests a minute. */
  rate_limited: {
    error: 'jit_rate_limited',
    message: ({ max, retryAfterSeconds }: { max: number; retryAfterSeconds: number }) =>
      msg`You have made ${max} requests in the last minute, the most allowed. Try again in ${retryAfterSeconds} s.`,
  },
  /** `problem`: parseDuration's sentence. */
  duration_invalid: {
    error: 'jit_duration_invalid',
    message: ({ problem }: { problem: string }) => msg`${problem}.`,
  },
  /** NOT_ADMIN of workflow/admin.ts. */
  not_admin: {
    error: 'jit_not_allowed',
    message: (_: Record<string, never>) =>
      msg`Only admins can enable JIT on a VM or change its ports. Admins are named by member ID in JIT_ADMINS, or in the policy’s \`admins\` (user or user-group IDs).`,
  },
  /** `readers`: who may export (the policy's readers, then JIT_READERS); the words of auditRefusedText. */
  not_audit_reader: {
    error: 'jit_not_allowed',
    message: ({ readers }: { readers: readonly string[] }) =>
      readers.length === 0
        ? msg`Nobody may export the audit log yet: no audit readers are named. Whoever runs the bot adds Slack user or user-group IDs to \`readers\` in the policy file (or to \`JIT_READERS\`).`
        : msg`Only the audit readers may export the audit log: ${principalList(readers)}. Ask one of them, or ask whoever runs the bot to add you to \`readers\` in the policy file.`,
  },
} satisfies Entries;
