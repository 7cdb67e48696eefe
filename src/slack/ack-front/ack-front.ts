// Acks first, on a thread of their own. In HTTP mode the bot's public port is
// served by a worker thread (worker-source.ts) that acknowledges each `/jit`
// command the moment its signature verifies and hands the command to this
// thread, and passes every other request to the Bolt receiver on loopback. The
// main thread runs the use cases, the SQLite store and the outbox; none of that
// can delay a command's ack any more, whatever it costs: the front answers on
// another core, with a heap and garbage collector of its own.
//
// Invariants:
//   - nothing is acked that Bolt would refuse: a command whose signature does
//     not verify (or is stale) goes to Bolt, which answers 401 as before;
//   - nothing acked is lost: `close()` stops listening, waits for the requests
//     in flight, and then for every command handed over to have run;
//   - a front that dies (a bug, its memory limit) is logged and started again
//     on the same port.

import { Worker } from 'node:worker_threads';
import type { Logger } from '../../ports/logger.js';
import { FRONT_KEY, KEY_HEADER, PEER_HEADER } from './peer.js';
import { FRONT_WORKER_SOURCE } from './worker-source.js';

export interface AckFrontOptions {
  port: number;
  /** Limits the listener to one address (JIT_LISTEN_HOST); all interfaces when absent. */
  host?: string | undefined;
  /** Where Bolt's receiver listens (loopback). */
  target: { host: string; port: number };
  signingSecret: string;
  /** The slash commands the front acks itself; any other goes to Bolt. */
  commands: readonly string[];
  logger: Logger;
  /** Runs a command the front acked (through the Bolt app). */
  dispatch(body: Record<string, unknown>): Promise<void>;
  /** Told each time the thread stopped and is to be started again (a metric). */
  restarting?: () => void;
  /** First wait before a dead front is started again (doubling to 30 s while it fails). */
  restartDelayMs?: number;
  /** The longest `close()` waits for acked commands to finish running. */
  drainMs?: number;
}

/** Bolt's default body limit. */
const BODY_LIMIT = 4 * 1024 * 1024;
const MAX_RESTART_DELAY_MS = 30_000;
// The front holds a request or two at a time: a small heap, collected often.
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 4 };

type FromFront =
  | { type: 'listening'; port: number }
  | { type: 'failed'; code?: string; message: string }
  | { type: 'command'; body: Record<string, unknown> }
  | { type: 'synced'; seq: number }
  | { type: 'closed' };

/** A listen the front could not make, with the socket error's code (EADDRINUSE …) for the caller to explain. */
export class FrontListenError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'FrontListenError';
  }
}

export class AckFront {
  private worker: Worker | undefined;
  private closing: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private restartDelayMs: number;
  private readonly running = new Set<Promise<void>>();
  private readonly syncs = new Map<number, () => void>();
  private syncSeq = 0;

  private constructor(
    private readonly options: AckFrontOptions,
    private boundPort: number,
  ) {
    this.restartDelayMs = options.restartDelayMs ?? 1000;
  }

  /** Listens on `options.port` (0: any free port); rejects with a FrontListenError when it cannot. */
  static async start(options: AckFrontOptions): Promise<AckFront> {
    const front = new AckFront(options, options.port);
    await front.spawn();
    return front;
  }

  /** The port the front listens on. */
  get port(): number {
    return this.boundPort;
  }

  /** Commands acked and not yet run to the end. */
  get pending(): number {
    return this.running.size;
  }

  /**
   * Resolves once every command the front has acked so far has run to the end
   * (the benchmark's and the tests' "idle"): one round trip to the front first,
   * so the commands it handed over just before are counted.
   */
  async idle(): Promise<void> {
    const worker = this.worker;
    if (worker) {
      const seq = ++this.syncSeq;
      await new Promise<void>((resolve) => {
        // The answer, or the thread's end (whatever it had posted was delivered before its 'exit').
        const done = () => {
          this.syncs.delete(seq);
          worker.off('exit', done);
          resolve();
        };
        this.syncs.set(seq, done);
        worker.once('exit', done);
        worker.postMessage({ type: 'sync', seq });
      });
    }
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Stops listening; resolves once the requests in flight are answered and every acked command has run. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (worker) {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('close');
      await exited;
    }
    await this.drain();
  }

  private async drain(): Promise<void> {
    if (this.running.size === 0) return;
    const drainMs = this.options.drainMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), drainMs)));
    const outcome = await Promise.race([Promise.allSettled([...this.running]).then(() => 'done' as const), late]);
    clearTimeout(timer);
    if (outcome === 'late') this.options.logger.warn(`stopping: ${this.running.size} acked /jit commands were still running after ${drainMs} ms`);
  }

  private spawn(): Promise<void> {
    const { host, target, signingSecret, commands } = this.options;
    const worker = new Worker(FRONT_WORKER_SOURCE, {
      eval: true,
      name: 'jit-ack-front',
      resourceLimits: RESOURCE_LIMITS,
      workerData: {
        port: this.boundPort,
        host,
        target,
        signingSecret,
        commands: [...commands],
        bodyLimit: BODY_LIMIT,
        peerHeader: PEER_HEADER,
        keyHeader: KEY_HEADER,
        key: FRONT_KEY,
      },
    });
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      let listening = false;
      worker.on('message', (message: FromFront) => {
        switch (message.type) {
          case 'command':
            return this.run(message.body);
          case 'listening':
            listening = true;
            this.boundPort = message.port;
            return resolve();
          case 'failed':
            if (!listening) reject(new FrontListenError(message.message, message.code));
            else this.options.logger.error(`the Slack listener on port ${this.boundPort} failed: ${message.message}`);
            return void worker.terminate();
          case 'synced':
            return this.syncs.get(message.seq)?.();
          case 'closed':
            return;
        }
      });
      worker.on('error', (error) => {
        this.options.logger.error(`the Slack listener's thread failed on port ${this.boundPort}:`, error);
        if (!listening) reject(error);
      });
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = undefined;
        if (!listening || this.closing) return;
        this.options.restarting?.();
        this.restartLater(`exit code ${code}`);
      });
    });
  }

  private run(body: Record<string, unknown>): void {
    const running = this.options.dispatch(body).catch((error: unknown) => {
      this.options.logger.error(`a /jit command acked by the Slack listener failed before its reply (user ${String(body.user_id)}):`, error);
    });
    this.running.add(running);
    void running.finally(() => this.running.delete(running));
  }

  private restartLater(why: string): void {
    const delay = this.restartDelayMs;
    this.options.logger.error(`the Slack listener's thread stopped (${why}); starting it again on port ${this.boundPort} in ${delay} ms`);
    this.restartTimer = setTimeout(() => {
      if (this.closing) return;
      this.spawn().then(
        () => {
          this.restartDelayMs = this.options.restartDelayMs ?? 1000;
          this.options.logger.info(`the Slack listener is back on port ${this.boundPort}`);
        },
        (error: unknown) => {
          this.options.logger.error(`the Slack listener could not start again on port ${this.boundPort}:`, error);
          this.restartDelayMs = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
          this.restartLater('it could not listen');
        },
      );
    }, delay);
    this.restartTimer.unref();
  }
}
