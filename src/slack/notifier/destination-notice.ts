// Tells people who can act that Slack refuses one of the bot's destinations:
// the approval channel when there is one (and it is not the refused one),
// else each admin (JIT_ADMINS and the users among the policy's admins) by DM.
// Posted directly, not through the outbox: the outbox may be what is stuck.

import type { WebClient } from '@slack/web-api';
import type { DestinationProblem } from '../../workflow/delivery-problems.js';
import { destinationProblemText } from '../blocks/destination-problem.js';

export interface DestinationNoticeOptions {
  client: WebClient;
  approvalChannel?: string | undefined;
  /** Member IDs of the admins, as they stand now. */
  admins: () => readonly string[];
}

const USER_ID = /^[UW][A-Z0-9]+$/;

/** Resolves once every recipient was told; throws when any could not be (the caller logs it). */
export function destinationNotice(options: DestinationNoticeOptions): (problem: DestinationProblem) => Promise<void> {
  return async (problem) => {
    const text = destinationProblemText(problem);
    const { approvalChannel } = options;
    const recipients =
      approvalChannel !== undefined && approvalChannel !== problem.destination
        ? [approvalChannel]
        : [...new Set(options.admins())].filter((id) => USER_ID.test(id) && id !== problem.destination);
    const failed: string[] = [];
    for (const channel of recipients) {
      try {
        await options.client.chat.postMessage({ channel, text, unfurl_links: false });
      } catch (error) {
        failed.push(`${channel} (${error instanceof Error ? error.message : String(error)})`);
      }
    }
    if (failed.length > 0) throw new Error(`could not post to ${failed.join(', ')}`);
  };
}
