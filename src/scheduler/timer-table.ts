// Absolute-time timers keyed by request ID, all behind ONE Node timer: the
// entries sit in a min-heap by due time, and the one timer is armed for the
// earliest. When it fires, every entry due by then is handed over in one call
// (`due(ids)`), so grants that end together reach the workflow together and
// their store commits and firewall changes can be batched. Ten thousand open
// grants cost a Map entry and a heap slot each, not a Node timer and a closure.
// The expiry and warning timers are tables of this kind.

import type { Clock } from '../ports/clock.js';

/** setTimeout's ceiling (~24.8 days); a longer wait re-arms on firing. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** The Node timer functions the table uses (tests count them). */
export interface TimerFunctions {
  setTimeout(fire: () => void, delayMs: number): NodeJS.Timeout;
  clearTimeout(timer: NodeJS.Timeout): void;
}

const nodeTimers: TimerFunctions = {
  setTimeout: (fire, delayMs) => setTimeout(fire, delayMs),
  clearTimeout: (timer) => clearTimeout(timer),
};

type Slot = { at: number; id: string };

export abstract class TimerTable {
  /** The live entries: id → due time. The heap may hold stale slots (a re-armed or cancelled id); a slot counts only while it matches. */
  private readonly entries = new Map<string, number>();
  private heap: Slot[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (clock ms); undefined when none is armed. */
  private armedFor: number | undefined;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly timers: TimerFunctions = nodeTimers,
  ) {}

  /** Every entry due by now, in due order, handed over in one call. */
  protected abstract due(ids: string[]): void;

  protected now(): number {
    return this.clock.now();
  }

  /** Replaces any entry of `id` with one due at `at` (at once when past). */
  protected at(id: string, at: number): void {
    if (this.stopped) return;
    this.entries.set(id, at);
    push(this.heap, { at, id });
    this.compactIfStale();
    if (this.armedFor === undefined || at < this.armedFor) this.arm();
  }

  cancel(id: string): void {
    // The heap slot goes stale and is dropped when it surfaces; the timer stays armed (a spurious wake-up costs nothing).
    this.entries.delete(id);
    if (this.entries.size > 0) return;
    this.disarm();
    this.heap = [];
  }

  get size(): number {
    return this.entries.size;
  }

  /** Node timers this table holds: one while anything is pending, else none. */
  get armedTimers(): number {
    return this.timer === undefined ? 0 : 1;
  }

  stop(): void {
    this.stopped = true;
    this.disarm();
    this.entries.clear();
    this.heap = [];
  }

  private arm(): void {
    this.disarm();
    const next = this.peek();
    if (next === undefined) return;
    const now = this.clock.now();
    const delay = Math.max(0, Math.min(next.at - now, MAX_DELAY_MS));
    this.armedFor = now + delay;
    this.timer = this.timers.setTimeout(() => this.fire(), delay);
  }

  private disarm(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = undefined;
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = undefined;
    const now = this.clock.now();
    const ids: string[] = [];
    for (let next = this.peek(); next !== undefined && next.at <= now; next = this.peek()) {
      pop(this.heap);
      this.entries.delete(next.id);
      ids.push(next.id);
    }
    // Re-armed before handing over, so an entry the callback adds finds the timer armed (or arms an earlier one).
    this.arm();
    if (ids.length > 0) this.due(ids);
  }

  /** The earliest live slot, dropping stale ones on the way. */
  private peek(): Slot | undefined {
    while (this.heap.length > 0) {
      const top = this.heap[0]!;
      if (this.entries.get(top.id) === top.at) return top;
      pop(this.heap);
    }
    return undefined;
  }

  /** Re-armed and cancelled entries leave stale slots: rebuild once they outnumber the live ones. */
  private compactIfStale(): void {
    if (this.heap.length <= 2 * this.entries.size + 64) return;
    this.heap = [];
    for (const [id, at] of this.entries) push(this.heap, { at, id });
  }
}

function push(heap: Slot[], slot: Slot): void {
  heap.push(slot);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent]!.at <= slot.at) break;
    heap[i] = heap[parent]!;
    i = parent;
  }
  heap[i] = slot;
}

function pop(heap: Slot[]): void {
  const last = heap.pop()!;
  if (heap.length === 0) return;
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= heap.length) break;
    const right = left + 1;
    const child = right < heap.length && heap[right]!.at < heap[left]!.at ? right : left;
    if (heap[child]!.at >= last.at) break;
    heap[i] = heap[child]!;
    i = child;
  }
  heap[i] = last;
}
