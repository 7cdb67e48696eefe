// The event stream's ports: a sink takes one event at a time and resolves once
// it has accepted it (throwing otherwise); the store keeps each sink's cursor
// into the audit chain and its dead letters, in the bot's own database, and
// moves a cursor only by compare-and-swap on where it stood.

import type { ChainRow } from '../domain/audit-chain.js';
import type { StreamEvent } from '../domain/event-stream.js';
import type { SystemEvent } from '../domain/types.js';

export type SinkName = 'webhook' | 'syslog';

export interface EventSink {
  readonly name: SinkName;
  /** Where it sends, for messages (no secret in it). */
  readonly target: string;
  /** Resolves once the sink accepted the event (webhook: a 2xx; syslog: the frame flushed to the socket); throws (SinkError) otherwise. */
  deliver(event: StreamEvent): Promise<void>;
  /** Closes connections it keeps open. */
  close(): Promise<void>;
}

/** Where a sink stands in the chain. */
export interface SinkCursor {
  sink: SinkName;
  /** The last seq delivered or dead-lettered; the next event is the first after it. */
  seq: number;
  /** Failed attempts at the next event. */
  attempts: number;
  /** Epoch ms before which the next event is not tried (backoff); 0 when due. */
  nextAttemptAt: number;
  lastError: string | null;
  /** Dead letters since the sink last delivered an event: the streak one `stream.dead_lettered` reported. */
  deadStreak: number;
}

export interface DeadLetter {
  sink: SinkName;
  seq: number;
  attempts: number;
  lastError: string;
  /** Epoch ms of the dead-lettering. */
  at: number;
}

/** A move of a cursor from `from` (where it must still stand) to the event `seq` it settled. */
export interface CursorMove {
  sink: SinkName;
  from: number;
  seq: number;
}

export interface EventStreamStore {
  /** The sink's cursor; a sink seen for the first time starts at seq 0 (`beginning`) or after the chain's newest row (`now`). */
  openCursor(sink: SinkName, start: 'beginning' | 'now'): Promise<SinkCursor>;
  cursors(): Promise<SinkCursor[]>;
  /** Chain rows after `seq`, in seq order (commit order), at most `limit`. */
  chainAfter(seq: number, limit: number): Promise<ChainRow[]>;
  /** The newest row's seq; 0 when the log is empty. */
  headSeq(): Promise<number>;
  /**
   * The event was delivered: the cursor moves to it, attempts and the streak
   * reset. `recovered` (the end of a streak of dead letters) is chained in the
   * same transaction. False, writing nothing, when the cursor had moved.
   */
  delivered(move: CursorMove, recovered?: SystemEvent): Promise<boolean>;
  /** A failed attempt at the event after `from`, and when to try again. False when the cursor had moved. */
  failed(sink: SinkName, from: number, attempts: number, nextAttemptAt: number, error: string): Promise<boolean>;
  /**
   * The sink gave up on the event: a dead letter, the cursor past it and the
   * streak one longer, with `report` (the first of a streak) chained, in one
   * transaction. False, writing nothing, when the cursor had moved.
   */
  deadLettered(move: CursorMove, letter: DeadLetter, report?: SystemEvent): Promise<boolean>;
  /** Dead letters, oldest first (of one sink when given). */
  deadLetters(sink?: SinkName): Promise<DeadLetter[]>;
  /**
   * Moves the cursor so the next event sent is `fromSeq` (a replay), attempts
   * cleared, creating it when missing, with `event` (`stream.replayed`, who and
   * from where) chained and posted in the same transaction.
   */
  rewind(sink: SinkName, fromSeq: number, event: SystemEvent): Promise<void>;
}
