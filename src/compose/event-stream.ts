// The event stream's composition: the sinks JIT_EVENT_* configure, fed from the
// audit chain. (Stub: filled in by the event-stream work.)

import type { Config } from '../config/env.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { OpenedStore } from './startup.js';

export interface EventStreamDeps {
  config: Config;
  database: OpenedStore;
  replicaId: string;
  clock: Clock;
  logger: Logger;
  /** Whether this replica runs the scheduler now (Leadership.isLeader). */
  leads: () => boolean;
  /** Wakes the outbox worker after a write that queued notifications. */
  kick: () => void;
}

export interface EventStream {
  start(): void;
  /** One delivery pass over every sink now (tests; the bot's own timer does this on its own). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

export function eventStream(_deps: EventStreamDeps): EventStream {
  return { start() {}, tick: async () => {}, stop: async () => {} };
}
