// Opening and closing grants on the firewall. The rules that keep ports shut:
// - a grant is marked active only after the backend opened it;
// - a grant is marked closed only after the backend confirmed the close;
// - when in doubt (a lost race, a failed open) we close, never leave open.

import { type CloseReason, closed, closedAtEnd, closeFailed, closing, openFailed, opened } from '../domain/changes/grant.js';
import { JitError } from '../domain/errors.js';
import type { AccessRequest, Endpoint, GrantRequest } from '../domain/types.js';
import { closesAtEnd, type FirewallBackend, type GrantSpec } from '../ports/firewall.js';
import { logEvent } from '../ports/log-event.js';
import { commit, load } from './commit.js';
import type { WorkflowContext } from './context.js';
import { crashPoint } from './crash-points.js';
import { cancelExtensionsOf, cancelPendingExtensions } from './pending-extensions.js';

const CLOSE_RETRY_MAX_MS = 60_000;
const BATCHED = { batch: true } as const;

export function activate(ctx: WorkflowContext, request: AccessRequest): Promise<AccessRequest> {
  return ctx.lock.run(request.id, () => activateUnlocked(ctx, request.id));
}

/**
 * Closes the grant of a request that is active (its time is up) or already
 * closing. `extensionsLater`: the caller cancels the extensions waiting on it
 * afterwards (expireMany, one read for the batch) instead of this close.
 */
export function expire(ctx: WorkflowContext, id: string, extensionsLater = false): Promise<AccessRequest | undefined> {
  return ctx.lock.run(id, async () => {
    const current = await ctx.store.getRequest(id);
    if (current?.kind !== 'grant') return current;
    if (current.state === 'active' && current.endAt !== undefined && current.endAt <= ctx.clock.now()) {
      const backend = ctx.backends.find(current.target?.backend);
      if (backend !== undefined && closesAtEnd(backend)) return confirmExpiry(ctx, backend, current, extensionsLater);
      const closingNow = await (extensionsLater ? markClosing(ctx, current, 'system', 'expired') : beginClose(ctx, current, 'system', 'expired'));
      return closingNow ? closeUnlocked(ctx, closingNow) : ctx.store.getRequest(id);
    }
    if (current.state === 'closing') return closeUnlocked(ctx, current);
    return current;
  });
}

/**
 * Closes the grants of `ids` that are due (the timers' batch): each under its
 * own lock, as `expire` does, all side by side, so their store commits join
 * one transaction per step and the backend gets their closes together
 * (nftables: one transaction). Then the extensions still waiting on the
 * grants it closed are cancelled, with one read for the batch. Resolves with
 * each outcome, in order.
 */
export async function expireMany(ctx: WorkflowContext, ids: readonly string[]): Promise<PromiseSettledResult<AccessRequest | undefined>[]> {
  const outcomes = await Promise.allSettled(ids.map((id) => expire(ctx, id, true)));
  const expired = new Set<string>();
  for (const outcome of outcomes) {
    const request = outcome.status === 'fulfilled' ? outcome.value : undefined;
    if (request?.kind === 'grant' && request.reason === 'expired' && (request.state === 'closing' || request.state === 'closed')) expired.add(request.id);
  }
  try {
    await cancelExtensionsOf(ctx, expired, 'expired');
  } catch (error) {
    ctx.logger.error('cancelling the extensions waiting on expired grants failed; the sweep times them out:', error);
  }
  return outcomes;
}

/** Re-opens a request left `approved` by a crash between approval and open. */
export function resumeApproved(ctx: WorkflowContext, id: string): Promise<AccessRequest | undefined> {
  return ctx.lock.run(id, () => activateUnlocked(ctx, id));
}

/**
 * Moves an approved or active grant to `closing` (compare-and-swap) and
 * records why. Resolves with the closing grant, or undefined when it was no
 * longer open. Callers hold the request's lock.
 */
export async function beginClose(
  ctx: WorkflowContext,
  request: GrantRequest,
  actor: string,
  why: CloseReason,
  drift?: string,
): Promise<GrantRequest | undefined> {
  const stored = await markClosing(ctx, request, actor, why, drift);
  // A closing grant can no longer be extended: an extension waiting for approval ends here.
  if (stored) await cancelPendingExtensions(ctx, stored, why === 'vanished' ? 'closed (its firewall rules vanished)' : why);
  return stored;
}

/** beginClose without cancelling the waiting extensions: the caller does. */
async function markClosing(ctx: WorkflowContext, request: GrantRequest, actor: string, why: CloseReason, drift?: string): Promise<GrantRequest | undefined> {
  if (request.state !== 'active' && request.state !== 'approved') return undefined;
  // Every close joins the closes of the same tick in one store transaction (grants that end together).
  const stored = await commit(ctx, request, closing(request, actor, why, ctx.clock.now(), drift), BATCHED);
  return stored?.kind === 'grant' ? stored : undefined;
}

/**
 * The expiry of a grant whose backend drops its rules at its end by itself
 * (closesAtEnd): its port is shut already, so nothing is committed before the
 * backend confirms the close; `closing` and `closed` are then written in one
 * commit (closedAtEnd), one request write instead of two. A crash before that
 * commit leaves the grant `active` past its end, which the timers and the
 * sweep close again on restart. A refused close is recorded as the two-step
 * close records it (`closing`, then the failure) and retried.
 */
async function confirmExpiry(
  ctx: WorkflowContext,
  backend: FirewallBackend,
  current: GrantRequest,
  extensionsLater: boolean,
): Promise<AccessRequest | undefined> {
  const inFlight = confirmingOf(ctx);
  inFlight.add(current.id);
  try {
    return await confirmExpiryUnlocked(ctx, backend, current, extensionsLater);
  } finally {
    inFlight.delete(current.id);
  }
}

/** Per context, the grants whose expiry confirmExpiry is carrying out: still `active` in the store until it commits. */
const confirming = new WeakMap<WorkflowContext, Set<string>>();

function confirmingOf(ctx: WorkflowContext): Set<string> {
  let ids = confirming.get(ctx);
  if (ids === undefined) confirming.set(ctx, (ids = new Set()));
  return ids;
}

/**
 * Whether this process is closing the grant's expiry right now (confirmExpiry):
 * the overdue watch leaves it alone, as it leaves a `closing` grant alone,
 * instead of queueing behind its lock.
 */
export function isExpiring(ctx: WorkflowContext, id: string): boolean {
  return confirming.get(ctx)?.has(id) ?? false;
}

async function confirmExpiryUnlocked(
  ctx: WorkflowContext,
  backend: FirewallBackend,
  current: GrantRequest,
  extensionsLater: boolean,
): Promise<AccessRequest | undefined> {
  const closingAt = ctx.clock.now();
  try {
    await backend.close(grantSpec(current, current.endAt ?? closingAt));
  } catch (error) {
    const closingNow = await (extensionsLater ? markClosing(ctx, current, 'system', 'expired') : beginClose(ctx, current, 'system', 'expired'));
    return closingNow ? recordCloseFailure(ctx, closingNow, error) : ctx.store.getRequest(current.id);
  }
  crashPoint('closed-before-commit');
  const stored = await commit(ctx, current, closedAtEnd(current, closingAt, ctx.clock.now()), BATCHED);
  // Lost to another writer (another process): the store says what happened; a grant left active is closed by its timer or the sweep.
  if (!stored) return ctx.store.getRequest(current.id);
  ctx.logger.info(logEvent('grant.closed', { request: current.id }), `request ${current.id}: grant closed (expired)`);
  if (stored.kind === 'grant' && !extensionsLater) await cancelPendingExtensions(ctx, stored, 'expired');
  return stored;
}

export async function closeUnlocked(ctx: WorkflowContext, request: GrantRequest): Promise<AccessRequest | undefined> {
  crashPoint('closing-before-close');
  const spec = grantSpec(request, request.endAt ?? ctx.clock.now());
  try {
    await backendOf(ctx, request).close(spec);
  } catch (error) {
    return recordCloseFailure(ctx, request, error);
  }
  crashPoint('closed-before-commit');
  const stored = await commit(ctx, request, closed(request, ctx.clock.now()), BATCHED);
  if (stored) ctx.logger.info(logEvent('grant.closed', { request: request.id }), `request ${request.id}: grant closed (${request.reason ?? 'closed'})`);
  return stored ?? ctx.store.getRequest(request.id);
}

async function activateUnlocked(ctx: WorkflowContext, id: string): Promise<AccessRequest> {
  const current = await load(ctx, id);
  // An approved extension never opens a grant of its own: applyExtension moves its original's end.
  if (current.state !== 'approved' || current.kind !== 'grant') return current;
  crashPoint('approved-before-open');

  const startAt = ctx.clock.now();
  const endAt = startAt + current.durationSeconds * 1000;
  const spec = grantSpec(current, endAt);
  let backend: FirewallBackend;
  let endpoints: Endpoint[] | undefined;
  try {
    backend = backendOf(ctx, current);
    endpoints = (await backend.open(spec))?.endpoints;
  } catch (error) {
    return recordOpenFailure(ctx, current, spec, error);
  }
  crashPoint('opened-before-active');

  const stored = await commit(ctx, current, opened(current, startAt, endAt, endpoints));
  if (stored) {
    crashPoint('active-committed');
    ctx.logger.info(logEvent('grant.opened', { request: id }), `request ${id}: grant opened on ${stored.vm} until ${new Date(endAt).toISOString()}`);
    return stored;
  }
  // Another writer moved the request while the port was opening (a revoke from
  // another process). It is no longer meant to be open: close what we opened.
  const latest = (await ctx.store.getRequest(id)) ?? current;
  if (latest.state !== 'active') await closeQuietly(ctx, backend, spec);
  return latest;
}

async function recordOpenFailure(ctx: WorkflowContext, request: GrantRequest, spec: GrantSpec, error: unknown): Promise<AccessRequest> {
  const message = errorMessage(error);
  ctx.logger.error(logEvent('grant.open_failed', { request: request.id }), `request ${request.id}: opening the grant failed:`, error);
  const change = openFailed(request, message, ctx.clock.now());
  const stored = await commit(ctx, request, change);
  // A backend may have applied part of the grant before failing: fail closed.
  const backend = ctx.backends.find(request.target?.backend);
  if (backend) await closeQuietly(ctx, backend, spec);
  return stored ?? (await ctx.store.getRequest(request.id)) ?? change.next;
}

async function recordCloseFailure(ctx: WorkflowContext, request: GrantRequest, error: unknown): Promise<AccessRequest | undefined> {
  const change = closeFailed(request, errorMessage(error), ctx.clock.now());
  const attempts = change.next.closeAttempts ?? 1;
  ctx.logger.error(
    logEvent('grant.close_failed', { request: request.id, attempts }),
    `request ${request.id}: closing the grant failed (attempt ${attempts}), will retry:`,
    error,
  );
  const stored = await commit(ctx, request, change, BATCHED);
  // Back off 1 s, 2 s, 4 s … up to a minute; the minute sweep is the backstop.
  if (stored) ctx.listener.retryClose?.(stored, Math.min(CLOSE_RETRY_MAX_MS, 1000 * 2 ** (attempts - 1)));
  return stored ?? ctx.store.getRequest(request.id);
}

async function closeQuietly(ctx: WorkflowContext, backend: FirewallBackend, spec: GrantSpec): Promise<void> {
  try {
    await backend.close(spec);
  } catch (error) {
    ctx.logger.error(`request ${spec.requestId}: cleanup close failed; reconciliation must remove it:`, error);
  }
}

/**
 * The firewall took the new end but another writer moved the request first
 * (another process): put the firewall back to what the store says. A grant no
 * longer active is the close's business, which removes it whatever its end.
 */
export async function restoreEnd(ctx: WorkflowContext, backend: FirewallBackend, id: string): Promise<void> {
  const latest = await ctx.store.getRequest(id);
  if (latest?.state !== 'active' || latest.endAt === undefined) return;
  try {
    await backend.extend(grantSpec(latest, latest.endAt));
  } catch (error) {
    ctx.logger.error(`request ${id}: restoring the firewall's end after a lost extension failed; the close at the end still removes it:`, error);
  }
}

export function backendOf(ctx: WorkflowContext, request: AccessRequest): FirewallBackend {
  if (!request.target) throw new JitError('jit_backend_failed', `request #${request.id} has no firewall target`);
  return ctx.backends.byName(request.target.backend);
}

export function grantSpec(request: AccessRequest, endAt: number): GrantSpec {
  return {
    requestId: request.id,
    vmId: request.target?.vmId ?? request.vm,
    vmName: request.vm,
    address: request.target?.address ?? request.vm,
    ports: request.ports,
    source: request.source,
    endAt,
  };
}

function errorMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 300);
}
