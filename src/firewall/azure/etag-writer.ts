// One optimistic read-modify-write for any ARM resource written whole with an
// ETag: an NSG (its rule list) or a firewall policy's rule collection group.
// GET (state + ETag), plan, PUT with `If-Match: <etag>`, let the SDK poll the
// long-running operation to the end. A write that lost a race (412, a taken
// priority, another operation in progress) is planned again on a fresh read
// after a jittered backoff, so writers in other processes never overwrite
// each other.
//
// Within this process, changes to one resource queue up and the ones that
// arrive while a write is in flight go out together in the next PUT: twenty
// grants at once cost a couple of writes, not twenty racing ones. Each change
// is still all-or-nothing: a plan that cannot apply fails that change alone,
// and a batch ARM refuses up front is retried change by change.

import { JitError } from '../../domain/errors.js';
import type { Logger } from '../../ports/logger.js';
import { describeArmError, writeConflict } from './arm-errors.js';

export interface Change<S> {
  /** For logs and errors: `open abc234`. */
  label: string;
  /**
   * The state the resource should have, given the one it has; undefined when
   * nothing needs to change. Throwing fails this change alone.
   */
  apply(state: S): S | undefined;
}

/** What a PUT needs from the writer: the SDK options that guard it and watch it. */
export interface PutOptions {
  updateIntervalInMs?: number;
  abortSignal: AbortSignal;
  /** If-Match when the resource has an ETag (kept off the polls by clients.ts's ifMatchOnWritesOnly). */
  requestOptions: { customHeaders: Record<string, string> };
  onResponse(response: { request: { method: string }; status: number }): void;
}

/** What one read found: the state to plan on, its ETag, and how to PUT a new state back over exactly that read. */
export interface Snapshot<S> {
  state: S;
  /** Undefined for a resource not created yet (the target decides whether that may be written). */
  etag?: string;
  /** One PUT of `state`, polled to the end; throwing before ARM answers counts as a refusal. */
  write(state: S, options: PutOptions): Promise<void>;
}

/** One resource the writer can read and PUT back whole. */
export interface WriteTarget<S> {
  /** Lower-cased resource id: one queue per resource however its id was spelled. */
  readonly key: string;
  /** For messages: `NSG web-nsg`. */
  readonly label: string;
  /** Throws a JitError that says what failed. */
  read(): Promise<Snapshot<S>>;
}

export interface EtagWriterOptions {
  pollIntervalMs?: number;
  timeoutMs: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  logger: Logger;
}

interface Pending<S> {
  change: Change<S>;
  resolve(): void;
  reject(error: unknown): void;
}

interface Queue<S> {
  target: WriteTarget<S>;
  waiting: Pending<S>[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class EtagWriter<S> {
  private readonly queues = new Map<string, Queue<S>>();

  constructor(private readonly options: EtagWriterOptions) {}

  /** Resolves once ARM has confirmed the write that carried `change` (or nothing needed writing). */
  submit(target: WriteTarget<S>, change: Change<S>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const pending = { change, resolve, reject };
      const queue = this.queues.get(target.key);
      if (queue) {
        queue.waiting.push(pending);
        return;
      }
      const fresh = { target, waiting: [pending] };
      this.queues.set(target.key, fresh);
      void this.drain(fresh);
    });
  }

  private async drain(queue: Queue<S>): Promise<void> {
    try {
      while (queue.waiting.length > 0) {
        const batch = queue.waiting.splice(0);
        await this.writeBatch(queue.target, batch).catch((error: unknown) => batch.forEach((p) => p.reject(error)));
      }
    } finally {
      this.queues.delete(queue.target.key);
    }
  }

  private async writeBatch(target: WriteTarget<S>, batch: Pending<S>[]): Promise<void> {
    let live = batch;
    for (let attempt = 1; ; attempt++) {
      let current: Snapshot<S>;
      try {
        current = await target.read();
      } catch (error) {
        live.forEach((p) => p.reject(error));
        return;
      }
      let state = current.state;
      const planned: Pending<S>[] = [];
      for (const pending of live) {
        try {
          state = pending.change.apply(state) ?? state;
          planned.push(pending);
        } catch (error) {
          pending.reject(error);
        }
      }
      live = planned;
      if (live.length === 0) return;
      if (state === current.state) {
        live.forEach((p) => p.resolve());
        return;
      }
      const outcome = await this.put(current, state);
      if (outcome.ok) {
        live.forEach((p) => p.resolve());
        return;
      }
      const conflict = writeConflict(outcome.error);
      const labels = live.map((p) => p.change.label).join(', ');
      // Only a write ARM never took on is replanned: one it accepted but could
      // not confirm is reported as such, never quietly taken for done.
      if (conflict && !outcome.accepted && attempt < this.options.maxAttempts) {
        const delay = Math.random() * Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (attempt - 1));
        this.options.logger.debug(`${target.label}: ${conflict} on attempt ${attempt} (${labels}); reading again in ${Math.round(delay)} ms`);
        await sleep(delay);
        continue;
      }
      if (!conflict && !outcome.accepted && live.length > 1) {
        // ARM refused the batch before applying any of it; one change may be to
        // blame, so each goes alone and the others still land.
        for (const pending of live) await this.writeBatch(target, [pending]);
        return;
      }
      const message =
        conflict && !outcome.accepted
          ? `${target.label}: gave up after ${attempt} attempts, another writer kept changing it (${describeArmError(outcome.error)})`
          : outcome.accepted
            ? `${target.label}: ARM accepted the change (${labels}) but did not confirm it: ${describeArmError(outcome.error)}`
            : `${target.label}: ARM refused the change (${labels}): ${describeArmError(outcome.error)}`;
      live.forEach((p) => p.reject(new JitError('jit_backend_failed', message, { cause: outcome.error })));
      return;
    }
  }

  /** One guarded PUT, polled until ARM says Succeeded; `accepted` once ARM answered the PUT itself with 2xx. */
  private async put(read: Snapshot<S>, state: S): Promise<{ ok: true } | { ok: false; accepted: boolean; error: unknown }> {
    let accepted = false;
    const etag = read.etag;
    try {
      await read.write(state, {
        updateIntervalInMs: this.options.pollIntervalMs,
        abortSignal: AbortSignal.timeout(this.options.timeoutMs),
        requestOptions: { customHeaders: etag ? { 'If-Match': etag } : {} },
        onResponse: (response) => {
          if (response.request.method === 'PUT' && response.status < 300) accepted = true;
        },
      });
      return { ok: true };
    } catch (error) {
      return { ok: false, accepted, error };
    }
  }
}
