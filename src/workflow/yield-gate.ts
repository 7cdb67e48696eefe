// Acks first. While Slack requests are arriving, the work they cause (a
// command's use case and its response_url reply, the outbox's Slack posts)
// waits its turn, so the next request is read and acknowledged before it
// instead of queueing behind it. Bounded both ways:
//   - a wait ends at its deadline (by default 250 ms after it began) however
//     busy the bot is, so a steady stream of commands delays the work by at
//     most that much and never starves it;
//   - the gate lets one waiter through per turn of the event loop, so requests
//     that arrive meanwhile are read (and acked) between them.
// "Busy" means an inbound request is still being answered, or requests arrive
// as a stream: for a command's own work and reply, two that began within the
// last 6 ms (200 commands a second are one); for the outbox, two within 15 ms.
// A lone command (a person typing) is held back only until its ack is sent, a
// client that sends its next command once the last was answered (a test, a
// script) by a few milliseconds at most, a stream until it pauses or the bound.
// Stopping the bot opens the gate for good (`open()`): whatever was held back
// runs at once and `open()` resolves when it has finished, so nothing is lost
// on shutdown.

export interface GateTimers {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Runs `callback` on the next turn of the event loop, after pending I/O (setImmediate). */
  defer(callback: () => void): void;
}

export interface YieldGateOptions {
  /** Longest a waiter is held back while requests keep arriving. */
  maxDelayMs?: number;
  /** What makes a stream for a wait that does not say (default: 2 requests within 6 ms). */
  stream?: Stream;
  timers?: GateTimers;
}

/** What the HTTP receiver tells the gate: a request began; the function it returns says it was answered. */
export interface InboundPressure {
  arrived(): () => void;
}

/** What the work that yields needs. */
export interface Yielding {
  /** The latest a wait that starts now may last: now + maxDelayMs on the gate's clock. */
  deadline(): number;
  /**
   * Resolves when no request stream is arriving, or at `deadline` at the latest
   * (always on a later turn of the event loop). `stream`: what makes a stream
   * for this wait (default the gate's).
   */
  wait(deadline?: number, stream?: Stream): Promise<void>;
  /** Runs `work` once the gate lets it through (by `deadline` at the latest); `open()` waits for it to finish. */
  run<T>(work: () => Promise<T>, deadline?: number): Promise<T>;
}

export const DEFAULT_MAX_DELAY_MS = 250;
/** Requests arrive as a stream while the `requests`-th most recent one began less than `withinMs` ago. */
export interface Stream {
  requests: number;
  withinMs: number;
}

/**
 * For a command's own work and reply: 20 clients in flight, or 200 commands a
 * second, make it; one client that waits for each reply before its next command
 * mostly does not.
 */
export const COMMAND_STREAM: Stream = { requests: 2, withinMs: 6 };
/** For work no one waits on (the outbox's Slack posts): commands 5 ms apart (200/s), or 10 ms apart, make it. */
export const BACKGROUND_STREAM: Stream = { requests: 2, withinMs: 15 };
const REMEMBERED = 4;

const systemTimers: GateTimers = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  defer: (callback) => setImmediate(callback),
};

interface Waiter {
  deadline: number;
  stream: Stream;
  release: () => void;
}

export class YieldGate implements InboundPressure, Yielding {
  private readonly maxDelayMs: number;
  private readonly stream: Stream;
  private readonly timers: GateTimers;
  /** Ordered by deadline. */
  private readonly waiters: Waiter[] = [];
  private readonly running = new Set<Promise<unknown>>();
  private inFlight = 0;
  /** When the last few inbound requests began, most recent first. */
  private readonly arrivals: number[] = new Array(REMEMBERED).fill(Number.NEGATIVE_INFINITY);
  private timer: unknown;
  private deferred = false;
  private opened = false;

  constructor(options: YieldGateOptions = {}) {
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.stream = options.stream ?? COMMAND_STREAM;
    this.timers = options.timers ?? systemTimers;
  }

  arrived(): () => void {
    this.arrivals.pop();
    this.arrivals.unshift(this.timers.now());
    this.inFlight++;
    let answered = false;
    return () => {
      if (answered) return;
      answered = true;
      this.inFlight--;
      this.schedule();
    };
  }

  /** Whether work should wait now: a request is being answered, or requests are arriving as a stream. */
  busy(stream = this.stream): boolean {
    if (this.opened) return false;
    return this.inFlight > 0 || this.timers.now() < this.streamEnd(stream);
  }

  /** When the stream ends if no request arrives before: the `requests`-th most recent arrival plus `withinMs`. */
  private streamEnd(stream: Stream): number {
    return (this.arrivals[Math.min(stream.requests, REMEMBERED) - 1] ?? Number.NEGATIVE_INFINITY) + stream.withinMs;
  }

  deadline(): number {
    return this.timers.now() + this.maxDelayMs;
  }

  wait(deadline = this.deadline(), stream = this.stream): Promise<void> {
    return new Promise((release) => {
      const waiter = { deadline, stream, release };
      let at = this.waiters.length;
      while (at > 0 && this.waiters[at - 1]!.deadline > deadline) at--;
      this.waiters.splice(at, 0, waiter);
      this.schedule();
    });
  }

  run<T>(work: () => Promise<T>, deadline = this.deadline()): Promise<T> {
    const task = this.wait(deadline).then(work);
    const tracked = task.then(
      () => undefined,
      () => undefined,
    );
    this.running.add(tracked);
    void tracked.then(() => this.running.delete(tracked));
    return task;
  }

  /** How many waits are held back now (tests, metrics). */
  waiting(): number {
    return this.waiters.length;
  }

  /**
   * Resolves once everything that went through run() has finished and nothing
   * waits (the benchmark's "idle"); the gate keeps gating.
   */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /**
   * Shutdown: lets every waiter through from now on and resolves once the work
   * run() was given has finished, or after `timeoutMs` (a reply stuck on a
   * dead connection must not hold the shutdown; the use cases it started are
   * still awaited by the workflow's own idle()).
   */
  async open(timeoutMs = 10_000): Promise<void> {
    this.opened = true;
    this.schedule();
    let timer: unknown;
    const late = new Promise<void>((resolve) => {
      timer = this.timers.setTimeout(resolve, timeoutMs);
    });
    await Promise.race([this.settled(), late]);
    this.timers.clearTimeout(timer);
  }

  private schedule(): void {
    if (this.deferred || this.waiters.length === 0) return;
    this.deferred = true;
    this.timers.defer(() => {
      this.deferred = false;
      this.pump();
    });
  }

  /**
   * Lets the first waiter through whose deadline has come or for which the bot
   * is not busy (waits differ in what makes a stream: a command's reply need not
   * wait behind the outbox); else sleeps until one of them may be true.
   */
  private pump(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waiters.length === 0) return;
    const now = this.timers.now();
    const ready = this.waiters.findIndex((waiter) => waiter.deadline <= now || !this.busy(waiter.stream));
    if (ready >= 0) {
      const [waiter] = this.waiters.splice(ready, 1);
      waiter!.release();
      // One per turn: requests that arrived meanwhile are read before the next one goes.
      this.schedule();
      return;
    }
    // While a request is being answered, its answer wakes the gate (arrived()'s callback); else a stream's end or a deadline may.
    let wakeAt = Number.POSITIVE_INFINITY;
    for (const waiter of this.waiters) {
      const quietAt = this.inFlight > 0 ? Number.POSITIVE_INFINITY : this.streamEnd(waiter.stream);
      wakeAt = Math.min(wakeAt, waiter.deadline, quietAt);
    }
    this.timer = this.timers.setTimeout(
      () => {
        this.timer = undefined;
        this.schedule();
      },
      Math.max(0, wakeAt - now),
    );
  }
}
