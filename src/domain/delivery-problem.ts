// A Slack destination the bot cannot deliver to until a person acts: the bot
// is not in the audit channel, the channel was archived, an approver left the
// workspace. Retrying alone never fixes these, so the outbox worker reports
// them (once, with the fix) instead of only retrying; the messages wait in
// their lane and go out once the destination takes them again.

/** A destination, as the person who must fix it knows it. */
export type DestinationRole = 'audit_channel' | 'approval_channel' | 'approver_dm' | 'requester_dm';

/** Slack's errors (error.data.error) that a retry cannot fix by itself. */
const DESTINATION_ERRORS: ReadonlySet<string> = new Set([
  'not_in_channel',
  'channel_not_found',
  'is_archived',
  'cannot_dm_bot',
  'user_not_found',
  'user_disabled',
  'messages_tab_disabled',
  'restricted_action',
  'restricted_action_read_only_channel',
  'restricted_action_thread_only_channel',
  'restricted_action_non_threadable_channel',
  'team_access_not_granted',
]);

export function isDestinationError(code: string | undefined): code is string {
  return code !== undefined && DESTINATION_ERRORS.has(code);
}

/** A delivery refused for its destination: thrown by a Notifier, read by the outbox worker. */
export class DestinationError extends Error {
  constructor(
    /** The channel or user ID Slack refused. */
    readonly destination: string,
    readonly role: DestinationRole,
    /** Slack's error code, e.g. `not_in_channel`. */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: Slack refuses messages to ${destination}`, options);
    this.name = 'DestinationError';
  }
}

/** What is wrong with a destination and what fixes it, as two sentences without their full stops. */
export interface DestinationAdvice {
  problem: string;
  fix: string;
}

const SETTING: Partial<Record<DestinationRole, string>> = { audit_channel: 'JIT_AUDIT_CHANNEL', approval_channel: 'JIT_APPROVAL_CHANNEL' };

/**
 * The advice for a refused destination. `name` is the destination as the
 * reader sees it: a raw ID in a log, a mention in Slack.
 */
export function destinationAdvice(role: DestinationRole, code: string, name: string): DestinationAdvice {
  const place = placeOf(role, name);
  const setting = SETTING[role];
  const dm = setting === undefined;
  const person = role === 'approver_dm' ? `approver ${name}` : `requester ${name}`;
  // A DM that cannot be sent: an approver can be replaced; a requester's DMs just wait (nothing else waits for them).
  const dmFix = role === 'approver_dm' ? 'take them out of the approvers in the policy' : 'nothing to change in the bot; only these DMs wait';
  switch (code) {
    case 'not_in_channel':
      return { problem: `the bot is not in ${place}`, fix: 'invite it with `/invite @jit` in that channel' };
    case 'channel_not_found':
      return dm
        ? { problem: `the bot cannot open a DM with ${person}`, fix: dmFix }
        : {
            problem: `${place} does not exist, or is private and the bot is not in it`,
            fix: `invite the bot there (\`/invite @jit\`), or set ${setting} to the right ID (channel details → About)`,
          };
    case 'is_archived':
      return { problem: `${place} is archived`, fix: dm ? dmFix : `unarchive it, or set ${setting} to another channel and restart the bot` };
    case 'cannot_dm_bot':
      return { problem: `${name} is a bot, and bots cannot get DMs`, fix: dmFix };
    case 'user_not_found':
    case 'user_disabled':
      return { problem: `${person} is deactivated or not in this workspace`, fix: dmFix };
    case 'messages_tab_disabled':
      return { problem: 'the app’s Messages tab is off, so the bot cannot send DMs', fix: 'turn on App Home → Messages Tab in the app’s settings' };
    default:
      return {
        problem: `Slack does not let the bot post to ${place} (${code})`,
        fix: dm ? dmFix : `let apps post there, or set ${setting} to another channel and restart the bot`,
      };
  }
}

function placeOf(role: DestinationRole, name: string): string {
  switch (role) {
    case 'audit_channel':
      return `the audit channel ${name}`;
    case 'approval_channel':
      return `the approval channel ${name}`;
    case 'approver_dm':
      return `the DM with approver ${name}`;
    case 'requester_dm':
      return `the DM with requester ${name}`;
  }
}
