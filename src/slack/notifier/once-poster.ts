// Posts each message of an outbox row at most once, across retries and crashes.
//
// Every post is journalled in the store by step: claimed before the call,
// given its ts right after. On a retry:
// - a step with a ts was posted: the message is updated in place, not posted again;
// - a step claimed without a ts may or may not have reached Slack (a crash or a
//   lost answer in between): its channel (or thread) is searched for the
//   message metadata every post carries (row id + step), and only when none is
//   found is it posted again.
// If that search itself fails (the app lacks a history scope, say), the message
// is posted again: a duplicate is better than a lost audit line. A refusal for
// the destination itself (the bot is not in the channel) is thrown as `refused`
// makes it, for the outbox worker to report: the post would fail too.

import type { Logger } from '../../ports/logger.js';
import type { Block, KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { PostJournal, PostRecord } from '../../ports/notifier.js';

export const METADATA_EVENT = 'jit_outbox_post';
/** How far before its claim a lost post is looked for: Slack's clock against ours. */
const LOOKUP_SKEW_SECONDS = 300;
const LOOKUP_PAGE = 200;
const LOOKUP_MAX_PAGES = 5;

export interface PostArgs {
  channel: string;
  text: string;
  blocks?: (KnownBlock | Block)[];
  thread_ts?: string;
  unfurl_links?: boolean;
}

export interface Posted {
  channel: string;
  ts: string;
}

/** What a failed call to `channel` throws: the error itself, or one saying Slack refuses that destination. */
export type Refusal = (channel: string, error: unknown) => unknown;

export class OncePoster {
  constructor(
    private readonly client: WebClient,
    private readonly journal: PostJournal,
    private readonly logger: Logger,
    private readonly refused: Refusal = (_channel, error) => error,
  ) {}

  /** `anchor`: more metadata for the post (the audit chain's head, a checkpoint); `row` and `step` are always there. */
  async post(step: string, args: PostArgs, anchor: Record<string, string | number> = {}): Promise<Posted> {
    const earlier = (await this.journal.posts()).find((post) => post.step === step);
    if (earlier?.ts !== undefined) {
      const updated = await this.update({ channel: earlier.channel, ts: earlier.ts }, args);
      if (updated) return updated;
    } else if (earlier !== undefined) {
      const found = await this.find(earlier, args, step);
      if (found) {
        await this.journal.record(step, found.channel, found.ts);
        return found;
      }
    }
    await this.journal.claim(step, args.channel);
    const metadata = { event_type: METADATA_EVENT, event_payload: { ...anchor, row: this.journal.rowId, step } };
    const answer = await this.client.chat.postMessage({ ...args, metadata }).catch((error: unknown) => {
      throw this.refused(args.channel, error);
    });
    if (!answer.ts) throw new Error('Slack accepted the message but returned no ts');
    const posted = { channel: answer.channel ?? args.channel, ts: answer.ts };
    await this.journal.record(step, posted.channel, posted.ts);
    return posted;
  }

  /** Edits a message posted earlier (an approval message decided): not journalled, as an edit done twice is done once. */
  async edit(args: Posted & Pick<PostArgs, 'text' | 'blocks'>): Promise<void> {
    await this.client.chat.update(args).catch((error: unknown) => {
      throw this.refused(args.channel, error);
    });
  }

  /** Brings an already posted message up to date; undefined when Slack no longer has it (deleted: post anew). */
  private async update(message: Posted, args: PostArgs): Promise<Posted | undefined> {
    try {
      const { text, blocks } = args;
      await this.client.chat.update({ channel: message.channel, ts: message.ts, text, ...(blocks === undefined ? {} : { blocks }) });
      return message;
    } catch (error) {
      if (slackError(error) === 'message_not_found') return undefined;
      throw this.refused(message.channel, error);
    }
  }

  /** The message an interrupted attempt posted, found by its metadata; undefined when it never arrived. */
  private async find(claim: PostRecord, args: PostArgs, step: string): Promise<Posted | undefined> {
    try {
      const channel = await this.conversationOf(claim.channel);
      const oldest = String(Math.floor(claim.claimedAt / 1000) - LOOKUP_SKEW_SECONDS);
      const threadTs = args.thread_ts;
      let cursor: string | undefined;
      for (let page = 0; page < LOOKUP_MAX_PAGES; page++) {
        const common = { channel, oldest, include_all_metadata: true, limit: LOOKUP_PAGE, ...(cursor ? { cursor } : {}) };
        const answer = threadTs ? await this.client.conversations.replies({ ...common, ts: threadTs }) : await this.client.conversations.history(common);
        const match = answer.messages?.find((message) => this.isOurs(message.metadata, step));
        if (match?.ts) return { channel, ts: match.ts };
        cursor = answer.response_metadata?.next_cursor || undefined;
        if (!answer.has_more || !cursor) return undefined;
      }
      return undefined;
    } catch (error) {
      const refusal = this.refused(claim.channel, error);
      if (refusal !== error) throw refusal;
      this.logger.warn(
        `outbox row ${this.journal.rowId} step ${step}: could not look for an interrupted post (${slackError(error) ?? String(error)}); posting again`,
      );
      return undefined;
    }
  }

  private isOurs(metadata: { event_type?: string; event_payload?: Record<string, unknown> } | undefined, step: string): boolean {
    return metadata?.event_type === METADATA_EVENT && metadata.event_payload?.row === this.journal.rowId && metadata.event_payload.step === step;
  }

  /** A user id names the bot's DM with that user, which history needs by its channel id. */
  private async conversationOf(channel: string): Promise<string> {
    if (!/^[UW][A-Z0-9]+$/.test(channel)) return channel;
    const opened = await this.client.conversations.open({ users: channel });
    if (!opened.channel?.id) throw new Error(`no DM channel with ${channel}`);
    return opened.channel.id;
  }
}

/** Slack's error code of a failed Web API call (`not_in_channel`…), as @slack/web-api carries it. */
export function slackError(error: unknown): string | undefined {
  const data = (error as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}
