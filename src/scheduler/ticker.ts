// One piece of work run every `everyMs` and on demand, never twice at once: a
// tick while the work runs joins it rather than starting another. The
// scheduler's periodic jobs (the overdue watch, audit checkpoints, the event
// stream) are each one of these; the work catches and logs its own failures.

export class Ticker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly everyMs: number,
  ) {}

  /** Ticks every `everyMs` from now on; the timer never keeps the process alive. */
  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.everyMs);
    this.timer.unref();
  }

  /** Runs the work now, or joins the run under way. */
  tick(): Promise<void> {
    this.running ??= this.work().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** No more ticks; resolves once the run under way has finished. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
