// The nftables backend: ports stay shut in the kernel, and every grant is an
// allow-set element with a kernel timeout, so a dead bot still closes on time.
// The table layout is documented in ruleset.ts.
//
// Every change is one `nft -f -` transaction. open/close/extend calls made in the same
// tick share one transaction; if it fails, each call is retried on its own so
// every caller learns its own outcome. Transactions never overlap: each plans
// against the state it has just read back, so re-reading is always truthful.
// A close at a grant's end deletes nothing the kernel is about to time out
// itself (its timeout ends KERNEL_MARGIN_MS after the grant): it waits for that
// instant outside the queue, without a read before (its end says how long:
// selfExpiryWait), then reads and deletes only what is still there.

import { JitError } from '../../domain/errors.js';
import { type Clock, systemClock } from '../../ports/clock.js';
import type { BackendHealth, FirewallBackend, GrantSpec, OpenRule, ProtectedPort } from '../../ports/firewall.js';
import { type Logger, silentLogger } from '../../ports/logger.js';
import { parseTable, type LiveTable } from './parse.js';
import {
  openTarget,
  planClose,
  planCloses,
  planExtend,
  planOpen,
  protectedKeys,
  requireRequestId,
  selfExpiryWait,
  selfExpiryWaits,
  type OpenTarget,
} from './plan.js';
import {
  DEFAULT_SLOTS,
  DEFAULT_TABLE,
  hostAddress,
  isRequestId,
  protectScript,
  skeletonScript,
  validateLayout,
  type AllowElement,
  type Layout,
} from './ruleset.js';
import { commandRunner, isMissing, isRace, type NftRunner } from './runner.js';

export interface NftablesBackendOptions {
  /** Backend name the policy refers to; default `nftables`. */
  name?: string;
  /** Command prefix ending in nft: `['nft']` (default), `['sudo', 'nft']`, `['ip', 'netns', 'exec', 'gw', 'nft']`. */
  command?: string[];
  /** The one table this backend owns, `inet <table>`; default `jit`. */
  table?: string;
  /** Allow sets per address family: how many overlapping grants one VM port can hold; default 8. */
  slots?: number;
  clock?: Clock;
  logger?: Logger;
  /** Replaces spawning `command` (tests use a recording fake). */
  runner?: NftRunner;
  /** How long one nft run may take before it is killed; default 15 s. */
  timeoutMs?: number;
}

/** A close with `waited` set has had its wait for the kernel's own expiry (selfExpiryWaits): it deletes what is left. */
type Change =
  | { kind: 'open'; target: OpenTarget }
  | { kind: 'extend'; target: OpenTarget }
  | { kind: 'close'; requestId: string; endAt: number; waited?: boolean };
type Job = Change & { resolve: () => void; reject: (error: unknown) => void };

/** How often one grant is re-planned when the kernel changed between our read and our write. */
const RACE_ATTEMPTS = 3;

/** Closes due for their read within this many ms of each other wait on one timer. */
const WAIT_BUCKET_MS = 5;

export class NftablesBackend implements FirewallBackend {
  readonly name: string;
  /** Every element carries its grant's end as a kernel timeout: at the end the port is shut without us (ports/firewall.ts, closesAtEnd). */
  readonly closesAtEnd = true as const;
  readonly layout: Layout;
  private readonly runner: NftRunner;
  private readonly clock: Clock;
  private readonly logger: Logger;
  /** VM names by address, for list(); the kernel only knows addresses. */
  private readonly vmNames = new Map<string, string>();
  private tail: Promise<unknown> = Promise.resolve();
  private pending: Job[] = [];
  /** Closes waiting for their elements' kernel timeouts (enqueueIn), by the bucket of time they are due in. */
  private readonly waiting = new Map<number, Job[]>();
  /** performance.now() as the current synchronous run first read it (enqueueIn); cleared at its end. */
  private tickStart: number | undefined;
  private flushQueued = false;

  constructor(options: NftablesBackendOptions = {}) {
    this.name = options.name ?? 'nftables';
    this.layout = validateLayout(options.table ?? DEFAULT_TABLE, options.slots ?? DEFAULT_SLOTS);
    this.runner = options.runner ?? commandRunner(options.command ?? ['nft'], { timeoutMs: options.timeoutMs });
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
  }

  async protect(ports: ProtectedPort[]): Promise<void> {
    const keys = protectedKeys(ports);
    const script = protectScript(this.layout, keys);
    await this.exclusive(() => this.apply(script, `protect ${keys.length} port(s)`));
    for (const port of ports) this.vmNames.set(hostAddress(port.address)?.address ?? port.address, port.vmName);
  }

  open(grant: GrantSpec): Promise<void> {
    let target: OpenTarget;
    try {
      target = openTarget(grant);
    } catch (error) {
      return Promise.reject(error);
    }
    this.vmNames.set(target.address, grant.vmName);
    return this.enqueue({ kind: 'open', target });
  }

  /** The kernel timeout of the grant's elements becomes the time left until `grant.endAt`. */
  extend(grant: GrantSpec): Promise<void> {
    let target: OpenTarget;
    try {
      target = openTarget(grant);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.enqueue({ kind: 'extend', target });
  }

  close(grant: GrantSpec): Promise<void> {
    let requestId: string;
    try {
      requestId = requireRequestId(grant.requestId);
    } catch (error) {
      return Promise.reject(error);
    }
    const close = { kind: 'close', requestId, endAt: grant.endAt } as const;
    // At its end: nothing to read before the kernel's own timeout has run out (selfExpiryWait).
    const wait = selfExpiryWait(grant.endAt, this.clock.now());
    if (wait === undefined) return this.enqueue(close);
    return new Promise<void>((resolve, reject) => this.enqueueIn(wait, { ...close, waited: true, resolve, reject }));
  }

  async list(): Promise<OpenRule[]> {
    const live = await this.read();
    const now = this.clock.now();
    if (live.unreadable.length > 0) {
      this.logger.warn(
        `nftables: ${live.unreadable.length} allow element(s) in table inet ${this.layout.table} have a shape we do not write:`,
        live.unreadable,
      );
    }
    return live.allow.map((element) => this.toOpenRule(element, now));
  }

  async health(): Promise<BackendHealth> {
    try {
      // -t leaves set elements out: cheap however many grants are open.
      await this.runner.run(['-t', 'list', 'table', 'inet', this.layout.table]);
      return { ok: true };
    } catch (error) {
      if (isMissing(error)) return { ok: false, detail: `table inet ${this.layout.table} does not exist (protect has not run, or it was deleted)` };
      return { ok: false, detail: (error as Error).message };
    }
  }

  private toOpenRule(element: AllowElement, now: number): OpenRule {
    const rule: OpenRule = {
      // Elements someone added by hand are still reported, so reconciliation sees them.
      requestId: element.comment !== undefined && isRequestId(element.comment) ? element.comment : '',
      vmName: this.vmNames.get(element.address) ?? element.address,
      port: element.port,
      protocol: element.protocol === 'tcp' ? 'TCP' : 'UDP',
      source: element.source.text,
    };
    if (element.expiresMs !== undefined) rule.endAt = now + element.expiresMs;
    return rule;
  }

  private enqueue(change: Change): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ ...change, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Queues `job` once `wait` ms have passed, outside `exclusive`: other changes
   * go on meanwhile. Jobs due within the same WAIT_BUCKET_MS share one timer.
   */
  private enqueueIn(wait: number, job: Job): void {
    // One reading of the time for every close queued in this synchronous run: grants that end together and are
    // closed together share a bucket even when the run itself straddles a bucket's edge (a busy machine).
    if (this.tickStart === undefined) {
      this.tickStart = performance.now();
      queueMicrotask(() => {
        this.tickStart = undefined;
      });
    }
    const bucket = Math.ceil((this.tickStart + wait) / WAIT_BUCKET_MS);
    const waiting = this.waiting.get(bucket);
    if (waiting !== undefined) {
      waiting.push(job);
      return;
    }
    this.waiting.set(bucket, [job]);
    setTimeout(
      () => {
        const due = this.waiting.get(bucket) ?? [];
        this.waiting.delete(bucket);
        this.pending.push(...due);
        this.schedule();
      },
      Math.max(0, bucket * WAIT_BUCKET_MS - performance.now()),
    );
  }

  private schedule(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    // Calls made in this tick (and any made while earlier work runs) join one transaction.
    setImmediate(() => {
      void this.exclusive(async () => {
        this.flushQueued = false;
        await this.flush(this.pending.splice(0));
      });
    });
  }

  /**
   * Takes out of `jobs` the closes whose elements the kernel is about to remove
   * by itself (selfExpiryWaits): 10,000 grants ending together would otherwise
   * cost nft seconds of `delete element`. They rejoin the queue once the
   * longest of their waits has passed, marked `waited`, and are then planned as
   * any close: confirmed by the elements' absence, or deleting what is left.
   * The wait runs outside `exclusive`: other changes go on meanwhile.
   */
  private deferSelfExpiring(jobs: Job[], elements: AllowElement[], now: number): Job[] {
    const closes = new Map<string, number>();
    for (const job of jobs) if (job.kind === 'close' && !job.waited) closes.set(job.requestId, job.endAt);
    if (closes.size === 0) return jobs;
    const waits = selfExpiryWaits(elements, closes, now);
    if (waits.size === 0) return jobs;
    const kept: Job[] = [];
    const deferred: Job[] = [];
    let longest = 0;
    for (const job of jobs) {
      const wait = job.kind === 'close' && !job.waited ? waits.get(job.requestId) : undefined;
      if (job.kind !== 'close' || wait === undefined) {
        kept.push(job);
        continue;
      }
      deferred.push({ ...job, waited: true });
      longest = Math.max(longest, wait);
    }
    this.logger.debug(`nftables: ${deferred.length} close(s) left to the kernel's timeouts, confirming in ${longest} ms`);
    setTimeout(() => {
      this.pending.push(...deferred);
      this.schedule();
    }, longest);
    return kept;
  }

  /** Settles every job; never throws. */
  private async flush(jobs: Job[]): Promise<void> {
    let alone = jobs;
    if (jobs.length > 1) {
      let planned: Job[] = jobs;
      try {
        for (let attempt = 1; ; attempt++) {
          const live = await this.read();
          const now = this.clock.now();
          if (attempt === 1) {
            planned = this.deferSelfExpiring(planned, live.allow, now);
            if (planned.length === 0) return;
          }
          const lines: string[] = [];
          const next: Job[] = [];
          if (planned.every((job) => job.kind === 'close')) {
            // Only closes (grants ending together): one pass over the table for all of them.
            const ids = new Set(planned.map((job) => (job as Job & { kind: 'close' }).requestId));
            lines.push(...planCloses(live.allow, ids, this.layout));
            next.push(...planned);
          } else {
            for (const job of planned) {
              try {
                lines.push(...this.plan(job, live.allow, now));
                next.push(job);
              } catch (error) {
                job.reject(error);
              }
            }
          }
          planned = next;
          try {
            if (lines.length > 0) await this.apply(this.script(lines), `${planned.length} change(s)`);
            for (const job of planned) job.resolve();
            return;
          } catch (error) {
            // An element the kernel expired after our read (a close at its end time races its
            // timeout) fails the whole batch: read again and replan it, as applyAlone does for
            // one grant, rather than paying a read and a write per caller (bench/expiry-precision.ts).
            if (attempt >= RACE_ATTEMPTS || !isRace((error as Error).cause)) throw error;
            this.logger.debug(`nftables: a transaction of ${planned.length} changes raced the kernel (attempt ${attempt}), re-reading`);
          }
        }
      } catch (error) {
        this.logger.warn(`nftables: a transaction of ${jobs.length} changes failed, applying each on its own:`, error);
        alone = planned.length > 0 ? planned : jobs;
      }
    }
    for (const job of alone) {
      try {
        if (await this.applyAlone(job)) job.resolve();
      } catch (error) {
        job.reject(error);
      }
    }
  }

  /** True once applied; false when the job was deferred (deferSelfExpiring), which settles it later. */
  private async applyAlone(job: Job): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const live = await this.read();
      const now = this.clock.now();
      if (attempt === 1 && this.deferSelfExpiring([job], live.allow, now).length === 0) return false;
      const lines = this.plan(job, live.allow, now);
      if (lines.length === 0) return true;
      try {
        await this.apply(this.script(lines), describe(job));
        return true;
      } catch (error) {
        // An element that expired after our read makes `delete element` fail
        // with ENOENT (nft 1.0.6 has no `destroy`): read again, retry what is left.
        if (attempt >= RACE_ATTEMPTS || !isRace((error as Error).cause)) throw error;
        this.logger.debug(`nftables: ${describe(job)} raced the kernel (attempt ${attempt}), re-reading`);
      }
    }
  }

  private plan(job: Change, elements: AllowElement[], now: number): string[] {
    if (job.kind === 'open') return planOpen(elements, job.target, this.layout, now);
    if (job.kind === 'extend') return planExtend(elements, job.target, this.layout, now);
    return planClose(elements, job.requestId, this.layout);
  }

  /** Opens may arrive before protect ever ran: make sure the sets they fill exist. */
  private script(lines: string[]): string {
    const adds = lines.some((line) => line.startsWith('add element'));
    return `${[...(adds ? skeletonScript(this.layout) : []), ...lines].join('\n')}\n`;
  }

  private async apply(script: string, what: string): Promise<void> {
    this.logger.debug(`nftables: applying ${what}:\n${script}`);
    try {
      await this.runner.run(['-f', '-'], script);
    } catch (error) {
      throw new JitError('jit_backend_failed', `nftables could not apply ${what}: ${(error as Error).message}`, { cause: error });
    }
  }

  private async read(): Promise<LiveTable> {
    let output: string;
    try {
      output = await this.runner.run(['-j', 'list', 'table', 'inet', this.layout.table]);
    } catch (error) {
      // No table: nothing of ours can be open.
      if (isMissing(error)) return { allow: [], unreadable: [] };
      throw new JitError('jit_backend_failed', `nftables could not read table inet ${this.layout.table}: ${(error as Error).message}`, { cause: error });
    }
    return parseTable(output, this.layout.table);
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function describe(job: Change): string {
  return job.kind === 'close' ? `close of grant #${job.requestId}` : `${job.kind} of grant #${job.target.requestId}`;
}
