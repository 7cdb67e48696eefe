// The one path by which a stored request changes, and by which new ones are
// stored. Every use case is: take the request's lock, load it, decide in the
// domain (authorize.ts, changes/), then commit():
//
// - the change is checked against the lifecycle table (domain/lifecycle.ts): a
//   change the table does not allow is a bug, refused before anything is written;
// - it is written with its audit events and notifications in one
//   compare-and-swap (the store's transition), so two writers racing give one
//   outcome and the loser writes nothing;
// - then the hooks: the outbox worker is woken, the grant's timers are armed
//   when it opens or gets a new end, and dropped when the request ends.

import type { Change } from '../domain/change.js';
import type { Created } from '../domain/changes/create.js';
import { refuse } from '../domain/errors.js';
import { assertChange, assertCreation, isTerminal } from '../domain/lifecycle.js';
import type { AccessRequest } from '../domain/types.js';
import type { Expected } from '../ports/store.js';
import { TransitionBatcher } from './transition-batcher.js';
import type { WorkflowContext } from './context.js';

export interface CommitOptions {
  /**
   * Join the other commits made in this tick in one store transaction (grants
   * that end together): the same compare-and-swap and the same outcome for
   * this request, one commit for all of them.
   */
  batch?: boolean;
}

/** One batcher per store, so every caller over one database shares it. */
const batchers = new WeakMap<object, TransitionBatcher>();

function batcherOf(store: WorkflowContext['store']): TransitionBatcher {
  let batcher = batchers.get(store);
  if (batcher === undefined) batchers.set(store, (batcher = new TransitionBatcher(store)));
  return batcher;
}

/**
 * Writes `change` of `current`, only if the stored request is still `current`.
 * Resolves with the request as stored, or undefined when another writer
 * changed it first (nothing was written then).
 */
export async function commit<R extends AccessRequest>(
  ctx: WorkflowContext,
  current: AccessRequest,
  change: Change<R>,
  options: CommitOptions = {},
): Promise<R | undefined> {
  checked(ctx, () => assertChange(current, change.next, change.events));
  const item = { expected: expectedOf(current), next: change.next, events: change.events, notifications: change.notifications };
  const stored = (await (options.batch ? batcherOf(ctx.store).write(item) : ctx.store.transition(item.expected, item.next, item.events, item.notifications))) as
    | R
    | undefined;
  if (stored === undefined) return undefined;
  ctx.listener.committed?.({ request: stored, previous: current, events: change.events });
  if (change.notifications.length > 0) ctx.listener.notified?.();
  if (isTerminal(stored.state) && !isTerminal(current.state)) ctx.listener.ended?.(stored);
  else if (stored.state === 'active' && (current.state !== 'active' || current.endAt !== stored.endAt)) ctx.listener.activated?.(stored);
  return stored;
}

/** Stores new requests (one, or a batch) with their creation events and messages, all or none. */
export async function insert(ctx: WorkflowContext, items: readonly Created[]): Promise<AccessRequest[]> {
  for (const item of items) checked(ctx, () => assertCreation(item.request, item.events));
  const stored =
    items.length === 1
      ? [await ctx.store.insertRequest(items[0]!.request, items[0]!.events, items[0]!.notifications)]
      : await ctx.store.insertRequests([...items]);
  for (const item of items)
    ctx.listener.committed?.({ request: stored.find((request) => request.id === item.request.id) ?? item.request, events: item.events });
  ctx.listener.notified?.();
  return stored;
}

/** Runs `work` on the stored request under its lock: one use case at a time per request in this process; across processes the compare-and-swap decides. */
export function withRequest<T>(ctx: WorkflowContext, id: string, work: (current: AccessRequest) => Promise<T>): Promise<T> {
  return ctx.lock.run(id, async () => work(await load(ctx, id)));
}

/** The stored request, or the refusal a user gets for an id that names none. */
export async function load(ctx: WorkflowContext, id: string): Promise<AccessRequest> {
  const request = await ctx.store.getRequest(id);
  if (!request) throw refuse('not_found', { id });
  return request;
}

export function expectedOf(request: AccessRequest): Expected {
  return { id: request.id, state: request.state, version: request.version };
}

/** An illegal change is a bug in the use case: said loudly in the log, and thrown so nothing is written. */
function checked(ctx: WorkflowContext, check: () => void): void {
  try {
    check();
  } catch (error) {
    ctx.logger.error('BUG: a use case tried a change the request lifecycle does not allow; nothing was written:', error);
    throw error;
  }
}
