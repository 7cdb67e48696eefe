// WAL checkpoints off the main thread. SQLite's own (wal_autocheckpoint) runs
// inside the commit that leaves the WAL 1,000 pages long, on the bot's one
// thread: it copies the pages into the database file and fsyncs both files,
// 10–30 ms on a disk, during which no ack is written; averaged, it doubles
// what a commit costs. So the store's connection turns it off, and a worker
// thread with a connection of its own checkpoints beside the writes:
//   - PASSIVE a few times a second while the WAL file changes (it never waits
//     for, nor blocks, the store's writers);
//   - when the WAL file has grown past `boundBytes` anyway (a steady stream of
//     commits can keep a PASSIVE from ever catching up, so SQLite never
//     starts the WAL over), the worker says so, the store holds its next
//     operations back (they wait, asynchronously: acks and everything else on
//     the thread go on) and the worker runs a TRUNCATE: it copies the frames
//     the PASSIVE left, fsyncs and empties the file, so the WAL stays bounded.
//     The store's operations then run, in the order they came. The TRUNCATE
//     used to run on the store's connection: 5-20 ms of copying and fsyncs on
//     the ack thread every 4 MB of WAL, most of bench row 1b's p99. It never
//     overlaps a store operation: a TRUNCATE (or RESTART) from another
//     connection while the store's connection is in a transaction makes that
//     connection's write fail at once with SQLITE_BUSY, busy_timeout or not
//     (seen here under a profiler's timing); a failed write is a failed
//     command. The hold is bounded: the worker does not wait for a lock (a
//     reader in another process makes the TRUNCATE give up until the next
//     bound), and its exit, or `HOLD_LIMIT_MS` without an answer, ends it;
//   - nothing when the WAL has not changed; after `idleMs` of that it exits,
//     so an idle bot does not carry the worker's ~10 MB (a V8 isolate). Every
//     `lookAfter` store operations while no worker runs, the main thread looks
//     at the WAL file (an async stat, off the thread) and starts the worker
//     when it has changed: a burst of commits brings it back at once, a bot
//     that is only read (health checks, metrics) or writes now and then never
//     starts it (its few commits wait in the WAL, which is the database,
//     until the next burst or the close).
// Nothing here is needed for durability: a commit is in the WAL, and the WAL
// is the database until a checkpoint copies it; a crash at any point loses
// nothing (the next open replays it). SQLite checkpoints and removes the WAL
// when the last connection closes: `stop()` ends the worker first, so the
// store's close is that last connection. Should the worker fail, the
// connection goes back to SQLite's own checkpoints.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';

export interface CheckpointOptions {
  /** How often the worker looks at the WAL while it runs. */
  everyMs?: number;
  /** A WAL file larger than this is checkpointed with TRUNCATE. */
  boundBytes?: number;
  /** The worker exits after this long without a change to the WAL. */
  idleMs?: number;
  /** Store operations between two looks at the WAL while no worker runs. */
  lookAfter?: number;
  /** Every checkpoint the worker ran (tests, metrics). */
  onCheckpoint?: (result: CheckpointResult) => void;
}

export interface CheckpointResult {
  /** PASSIVE: the worker's, a few times a second; TRUNCATE: the worker's too, past the bound, while the store holds its operations back. */
  mode: 'PASSIVE' | 'TRUNCATE';
  /** SQLite's answer: busy, frames in the WAL, frames checkpointed. */
  busy: number;
  log: number;
  checkpointed: number;
}

/** SQLite's default, restored when the worker cannot run. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;
/** The worker's connection never waits for a lock (PASSIVE does not); a short timeout for its open. */
const WORKER_BUSY_MS = 100;
// The bound is small on purpose: under a steady stream of commits the PASSIVE rarely finishes, so the
// WAL grows until the bound, and the store's operations wait for each TRUNCATE: the larger the bound,
// the longer (when the TRUNCATE ran on the ack thread, a 64 MB bound gave bench row 1b a p99 of 56-66 ms
// against 17-24 ms with 4 MB, BENCHMARKS.md section 1).
const DEFAULTS = { everyMs: 250, boundBytes: 4 * 1024 * 1024, idleMs: 30_000, lookAfter: 256 };
/** What the WAL file is cut back to when SQLite starts it over (it keeps its size otherwise). */
const KEPT_WAL_BYTES = 4 * 1024 * 1024;
/** The longest the store's operations wait for a TRUNCATE the worker does not answer (it runs in milliseconds). */
const HOLD_LIMIT_MS = 2000;

// CommonJS, run with `eval`: the same code from src/ under tsx and from dist/.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: workerData.busyMs, fileMustExist: true });
const wal = workerData.file + '-wal';
let seen = '';
let quietMs = 0;
let yielded = false;
let chase = 0;
let closed = false;
const markOf = () => { try { const s = fs.statSync(wal); return [s.mtimeMs + ':' + s.size, s.size]; } catch { return ['', 0]; } };
const stop = () => { closed = true; clearInterval(timer); db.close(); parentPort.close(); };
const tick = () => {
  // Past the bound: no PASSIVE until the store has held its operations back and says 'truncate'.
  if (yielded || closed) return;
  const [mark, size] = markOf();
  if (mark === seen && chase === 0) {
    quietMs += workerData.everyMs;
    if (quietMs >= workerData.idleMs) stop();
    return;
  }
  quietMs = 0;
  let result;
  try {
    [result] = db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    result = { busy: 1, log: -1, checkpointed: -1 };
  }
  seen = mark;
  yielded = size > workerData.boundBytes;
  parentPort.postMessage({ mode: 'PASSIVE', ...result, over: yielded });
  // Not caught up (commits landed meanwhile): again at once, a few times. The frames left are few, so one
  // soon ends in a gap between commits, and the store's next commit starts the WAL over from its beginning.
  if (!yielded && result.checkpointed < result.log && ++chase < 8) setImmediate(tick);
  else chase = 0;
};
const timer = setInterval(tick, workerData.everyMs);
// The store holds its operations back meanwhile: no waiting for a lock here (a reader in another
// process makes it give up at once; the next look past the bound tries again).
const truncate = () => {
  let result;
  db.pragma('busy_timeout = 0');
  try {
    [result] = db.pragma('wal_checkpoint(TRUNCATE)');
  } catch (error) {
    result = { busy: 1, log: -1, checkpointed: -1 };
  } finally {
    db.pragma('busy_timeout = ' + workerData.busyMs);
  }
  yielded = false;
  seen = markOf()[0];
  parentPort.postMessage({ mode: 'TRUNCATE', ...result, over: false });
};
parentPort.on('message', (message) => {
  if (message === 'stop') stop();
  else if (message === 'truncate') { if (!closed) truncate(); }
  else tick();
});
tick();
`;

export class Checkpointer {
  private worker: Worker | undefined;
  /** While the worker truncates: the store's operations wait for it (see `held`). */
  private hold: { done: Promise<void>; release: () => void } | undefined;
  private exited: Promise<void> | undefined;
  private seen = '';
  private stopped = false;
  private uses = 0;
  private looking = false;
  private readonly options: Required<Omit<CheckpointOptions, 'onCheckpoint'>> & Pick<CheckpointOptions, 'onCheckpoint'>;

  /** Turns off `db`'s own checkpoints and takes them over. `file`: the database file `db` has open (WAL mode). */
  constructor(
    private readonly db: Database,
    private readonly file: string,
    options: CheckpointOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    db.pragma('wal_autocheckpoint = 0');
    // Once SQLite starts the WAL over, the file is cut back at the next commit.
    db.pragma(`journal_size_limit = ${Math.min(KEPT_WAL_BYTES, this.options.boundBytes)}`);
  }

  /**
   * While the worker truncates the WAL: a promise the store's next operation
   * waits for before it touches the database (none may overlap the TRUNCATE);
   * undefined the rest of the time, when operations run at once.
   */
  held(): Promise<void> | undefined {
    return this.hold?.done;
  }

  /** Called by the store on each of its operations: a counter, and every `lookAfter` of them a look at the WAL while no worker runs. */
  used(): void {
    if (this.worker !== undefined || ++this.uses < this.options.lookAfter) return;
    this.uses = 0;
    this.look();
  }

  /** Checkpoints now (starting the worker if none runs); tests, and a caller that just wrote a lot. */
  nudge(): void {
    if (this.stopped) return;
    if (this.worker) this.worker.postMessage('tick');
    else this.spawn();
  }

  /**
   * Ends the worker (once the checkpoint it may be running is done); the
   * store closes after. Undefined when no worker runs: nothing to wait for.
   */
  stop(): Promise<void> | undefined {
    this.stopped = true;
    if (!this.worker) return undefined;
    // Referenced again: a process with nothing else to do (the CLI) waits for the exit instead of ending mid-close.
    this.worker.ref();
    this.worker.postMessage('stop');
    return this.exited;
  }

  /** Whether a worker runs now (tests). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  private look(): void {
    if (this.worker || this.stopped || this.looking) return;
    this.looking = true;
    fs.stat(`${this.file}-wal`, (error, stat) => {
      this.looking = false;
      const mark = error ? '' : `${stat.mtimeMs}:${stat.size}`;
      if (mark === this.seen) return;
      this.seen = mark;
      if (mark !== '' && !this.worker && !this.stopped) this.spawn();
    });
  }

  private spawn(): void {
    const { everyMs, boundBytes, idleMs } = this.options;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { driver, file: this.file, busyMs: WORKER_BUSY_MS, everyMs, boundBytes, idleMs },
      });
    } catch {
      this.fallBack();
      return;
    }
    worker.unref();
    this.worker = worker;
    worker.on('message', ({ over, ...result }: CheckpointResult & { over: boolean }) => {
      this.options.onCheckpoint?.(result);
      if (result.mode === 'TRUNCATE') this.endHold();
      if (over) this.truncate(worker);
    });
    worker.on('error', () => this.fallBack());
    this.exited = new Promise((resolve) =>
      worker.once('exit', () => {
        this.endHold();
        if (this.worker === worker) this.worker = undefined;
        // What the worker last saw is checkpointed: a look starts it again only for a later change.
        this.seen = walMark(this.file);
        this.uses = 0;
        resolve();
      }),
    );
  }

  /**
   * Past the bound: the store's operations wait from now on (none runs now:
   * this is the thread's turn), and the worker truncates; its answer, its
   * exit or the limit ends the wait.
   */
  private truncate(worker: Worker): void {
    if (this.stopped || this.hold) return;
    let release: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const limit = setTimeout(() => this.endHold(), HOLD_LIMIT_MS);
    limit.unref();
    this.hold = {
      done,
      release: () => {
        clearTimeout(limit);
        release();
      },
    };
    worker.postMessage('truncate');
  }

  private endHold(): void {
    const hold = this.hold;
    this.hold = undefined;
    hold?.release();
  }

  /** The worker could not run: SQLite's own checkpoints again, on this thread. */
  private fallBack(): void {
    this.stopped = true;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
  }
}

function walMark(file: string): string {
  try {
    const stat = fs.statSync(`${file}-wal`);
    return `${stat.mtimeMs}:${stat.size}`;
  } catch {
    return '';
  }
}
