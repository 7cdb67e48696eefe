// The journal of one outbox row's delivery (see once-poster.ts), with the
// least writes the guarantees allow. What must be durable before what:
//   1. a post's claim, before the post: it is what tells a retry "this may
//      have been posted: look for it before posting again". Committed at once.
//   2. a post's ts, before the row counts as delivered, or is retried: held
//      here and written with `markDelivered` in the same transaction (or, when
//      the delivery fails, before `markRetry`). A crash first loses only the
//      ts: the claim is there, so the retry finds the post by its metadata and
//      does not post it again (the crash points `outbox-posted-before-recorded`
//      and `outbox-delivered-before-committed`).
//   3. the delivery and its refs, before the row's successor is claimed or
//      delivered: the worker commits it before it takes the next row, so a
//      lane stays in order and a later row's `messageRefs` sees these refs.
// The posts are read once per row: no one else writes this row's posts while
// this worker holds its claim.

import type { PostedStep, PostJournal, PostRecord } from '../ports/notifier.js';
import type { OutboxStore } from '../ports/store.js';
import { systemClock } from '../ports/clock.js';
import { crashPoint } from './crash-points.js';

export class OutboxJournal implements PostJournal {
  private known: PostRecord[] | undefined;
  private held: PostedStep[] = [];

  constructor(
    private readonly store: Pick<OutboxStore, 'outboxPosts' | 'claimPost' | 'recordPost'>,
    readonly rowId: number,
  ) {}

  async posts(): Promise<PostRecord[]> {
    this.known ??= await this.store.outboxPosts(this.rowId);
    return this.known.map((post) => ({ ...post }));
  }

  async claim(step: string, channel: string): Promise<void> {
    // Wall-clock time, not the workflow clock: a lookup compares it with Slack's ts.
    const claimedAt = systemClock.now();
    await this.store.claimPost(this.rowId, step, channel, claimedAt);
    const known = await this.posts();
    const earlier = known.find((post) => post.step === step);
    // As the store keeps it: the first claim's time, a recorded ts untouched.
    if (earlier === undefined) this.known = [...known, { step, channel, claimedAt }];
    else if (earlier.ts === undefined) this.known = known.map((post) => (post.step === step ? { ...post, channel } : post));
  }

  async record(step: string, channel: string, ts: string): Promise<void> {
    crashPoint('outbox-posted-before-recorded');
    this.held = [...this.held.filter((post) => post.step !== step), { step, channel, ts }];
    const known = await this.posts();
    const earlier = known.find((post) => post.step === step);
    this.known =
      earlier === undefined
        ? [...known, { step, channel, claimedAt: systemClock.now(), ts }]
        : known.map((post) => (post.step === step ? { ...post, channel, ts } : post));
  }

  /** The ts held back, for `markDelivered` to write with the delivery. */
  heldPosts(): PostedStep[] {
    return this.held;
  }

  /** Writes the ts held back on their own (the delivery failed: they go before its retry is scheduled). */
  async flush(): Promise<void> {
    for (const { step, channel, ts } of this.held) await this.store.recordPost(this.rowId, step, channel, ts);
    this.held = [];
  }
}
