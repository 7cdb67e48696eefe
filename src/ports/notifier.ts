// The Notifier port: delivers one outbox notification (rendered by the adapter:
// Slack Block Kit in slack/notifier/) and journals every post, so a retry never
// posts a message twice.

import type { Notification } from '../domain/notification.js';

export type { Notification };
export { requestIdOf } from '../domain/notification.js';

/** Where a posted Slack message lives, so later notifications can thread or update. */
export interface MessageRef {
  requestId: string;
  role: 'audit' | 'approval';
  channel: string;
  ts: string;
}

/**
 * One message an outbox row posts, by step name (`audit`, `dm`, `reminder:C1`…).
 * `claimedAt` is written before the post, `ts` right after Slack accepts it.
 */
export interface PostRecord {
  step: string;
  channel: string;
  claimedAt: number;
  ts?: string;
}

/** A post Slack accepted: where it went. What `record` was told, for the store to write with the row's delivery. */
export interface PostedStep {
  step: string;
  channel: string;
  ts: string;
}

/**
 * What one outbox row has posted so far, kept in the store so a retry (after a
 * failure or a crash) updates those messages instead of posting them again.
 */
export interface PostJournal {
  /** The outbox row's id: posts carry it as message metadata, to be found again. */
  readonly rowId: number;
  posts(): Promise<PostRecord[]>;
  /** Before posting: the step is about to be posted to `channel`. */
  claim(step: string, channel: string): Promise<void>;
  /**
   * After posting: where Slack put it. The outbox worker's journal holds it
   * and writes it with the row's delivery (one transaction); a crash before
   * that leaves the claim alone, and the retry looks the post up by metadata.
   */
  record(step: string, channel: string, ts: string): Promise<void>;
}

export interface Notifier {
  /**
   * Delivers one notification. `refs` are the request's messages posted so far;
   * the result lists messages this call posted, for the store to remember.
   * Every post goes through `journal`, so a retry never posts a step twice.
   * Throws on failure; a `retryAfter` property (seconds) on the error is honoured.
   */
  deliver(notification: Notification, refs: MessageRef[], journal: PostJournal): Promise<MessageRef[]>;
}

/**
 * The in-memory twin: keeps every notification it is given, in order, and can
 * be told to fail the next deliveries as an unreachable Slack would.
 */
export class MemoryNotifier implements Notifier {
  readonly delivered: Notification[] = [];
  private failing: { message: string; remaining: number } | undefined;

  /** The next `times` deliveries throw `message` (the outbox worker retries them). */
  failNext(message: string, times = 1): void {
    this.failing = { message, remaining: times };
  }

  async deliver(notification: Notification): Promise<MessageRef[]> {
    if (this.failing && this.failing.remaining > 0) {
      this.failing.remaining -= 1;
      throw new Error(this.failing.message);
    }
    this.delivered.push(structuredClone(notification));
    return [];
  }
}
