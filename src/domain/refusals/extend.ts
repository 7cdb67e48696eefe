// Refusals of an extension (workflow/extend.ts, workflow/extension-approval.ts).
// What used to be one reason string after "was not extended:" is a code each,
// with the policy's own words (rule reasons, a justification problem) as params.

import { formatDuration } from '../duration.js';
import { command, date, msg } from '../message.js';
import type { RequestState } from '../types.js';
import { type Entries, notExtended, type OfRequest, spaced } from './entry.js';

const requestAgain = msg`Request again with ${command('jit request')}.`;

export const EXTEND_REFUSALS = {
  extend_not_requester: {
    error: 'jit_not_allowed',
    message: ({ id }: OfRequest) => msg`Only the requester can extend request #${id}.`,
  },
  extend_not_open: {
    error: 'jit_wrong_state',
    message: ({ id, state }: OfRequest & { state: RequestState }) =>
      msg`Request #${id} is ${spaced(state)}, not open: only open access can be extended. ${requestAgain}`,
  },
  extend_past_end: {
    error: 'jit_wrong_state',
    message: ({ id }: OfRequest) => msg`Request #${id} has reached its end time and is closing. ${requestAgain}`,
  },
  /** A click on a message an extension in between made stale: `endAt` is the grant's end now. */
  extend_stale: {
    error: 'jit_wrong_state',
    message: ({ id, endAt }: OfRequest & { endAt: number }) =>
      msg`Request #${id} was already extended: it is open until ${date(endAt)}. Use the newest message to extend it again.`,
  },
  /** One extension waits for approval at a time; `addedSeconds` is what that one asks. */
  extension_waiting: {
    error: 'jit_wrong_state',
    message: ({ id, extensionId, addedSeconds }: OfRequest & { extensionId: string; addedSeconds: number }) =>
      msg`Request #${id} already has an extension waiting for approval: #${extensionId} (${formatDuration(addedSeconds)} more). Wait for its decision, or withdraw it with ${command(`jit cancel ${extensionId}`)} and ask again.`,
  },
  /**
   * The policy no longer offers what the grant holds, so it has no maximum to
   * extend within; `why` is grantMaxSeconds' sentence (the VM or a port is gone).
   */
  extend_no_maximum: {
    error: 'jit_not_allowed',
    message: ({ id, why }: OfRequest & { why: string }) => notExtended(id, why),
  },
  /** The rule engine denies the whole span; `reasons`: the decision's. */
  extend_denied: {
    error: 'jit_not_allowed',
    message: ({ id, totalSeconds, reasons }: OfRequest & { totalSeconds: number; reasons: readonly string[] }) => {
      const why = reasons.join('; ');
      return notExtended(id, msg`the policy denies ${formatDuration(totalSeconds)} in all${why ? `: ${why}` : ''}`);
    },
  },
  /** The matched rule's justification policy is not met; `problem` is its sentence. */
  extend_justification: {
    error: 'jit_not_allowed',
    message: ({ id, problem }: OfRequest & { problem: string }) => notExtended(id, problem),
  },
  /** It needs approval and nobody but the requester could give it; `reasons`: the denied decision's. */
  extend_no_approvers: {
    error: 'jit_not_allowed',
    message: ({ id, totalSeconds, reasons }: OfRequest & { totalSeconds: number; reasons: readonly string[] }) =>
      notExtended(id, msg`${formatDuration(totalSeconds)} in all needs approval and ${reasons.join('; ')}`),
  },
  /** The firewall refused; `endAt`: the end that still holds. */
  extend_backend_failed: {
    error: 'jit_backend_failed',
    message: ({ id, endAt }: OfRequest & { endAt: number }) =>
      msg`The firewall could not extend request #${id}; access still ends at ${date(endAt)}. Try again, or tell the bot's admins if it keeps failing.`,
  },
  /** The compare-and-swap of an extension lost (the firewall's end was put back). */
  extend_raced: {
    error: 'jit_wrong_state',
    message: ({ id }: OfRequest) => msg`Request #${id} changed while you extended it; nothing was extended. Check ${command('jit list')}.`,
  },
} satisfies Entries;
