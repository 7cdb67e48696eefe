// Opening and closing grants on the firewall. The rules that keep ports shut:
// - a grant is marked active only after the backend opened it;
// - a grant is marked closed only after the backend confirmed the close;
// - when in doubt (a lost race, a failed open) we close, never leave open.

import { JitError } from '../domain/errors.js';
import type { AccessRequest, RequestState } from '../domain/types.js';
import type { FirewallBackend, GrantSpec } from '../ports/firewall.js';
import { announce, auditEvent, type WorkflowContext } from './context.js';
import { crashPoint } from './crash-points.js';
import { cancelPendingExtensions } from './pending-extensions.js';

/** Failed close attempts reported in the request's audit thread (then every tenth). */
const CLOSE_REPORT_ATTEMPTS = new Set([1, 3]);
/** From this many failed attempts on (then every tenth), a loud top-level alert. */
const CLOSE_ALERT_AFTER = 3;
const CLOSE_RETRY_MAX_MS = 60_000;

export function activate(ctx: WorkflowContext, request: AccessRequest): Promise<AccessRequest> {
  return ctx.lock.run(request.id, () => activateUnlocked(ctx, request.id));
}

/** Closes the grant of a request that is active (its time is up) or already closing. */
export function expire(ctx: WorkflowContext, id: string): Promise<AccessRequest | undefined> {
  return ctx.lock.run(id, async () => {
    const current = await ctx.store.getRequest(id);
    if (!current) return undefined;
    if (current.state === 'active' && current.endAt !== undefined && current.endAt <= ctx.clock.now()) {
      const closing = await beginClose(ctx, current, 'system', 'expired');
      return closing ? closeUnlocked(ctx, closing) : await ctx.store.getRequest(id);
    }
    if (current.state === 'closing') return closeUnlocked(ctx, current);
    return current;
  });
}

/** Re-opens a request left `approved` by a crash between approval and open. */
export function resumeApproved(ctx: WorkflowContext, id: string): Promise<AccessRequest | undefined> {
  return ctx.lock.run(id, () => activateUnlocked(ctx, id));
}

/**
 * Moves an approved or active request to `closing` (compare-and-swap) and
 * records why. Returns the closing request, or undefined when it was no longer
 * open. Callers hold the request's lock.
 */
export async function beginClose(
  ctx: WorkflowContext,
  request: AccessRequest,
  actor: string,
  why: 'expired' | 'revoked' | 'vanished',
  drift?: string,
): Promise<AccessRequest | undefined> {
  if (request.state !== 'active' && request.state !== 'approved') return undefined;
  const now = ctx.clock.now();
  const next: AccessRequest = {
    ...request,
    state: 'closing',
    reason: why,
    ...(why === 'revoked' ? { decidedBy: actor } : {}),
  };
  const event = auditEvent('grant.closing', next, actor, now, why);
  // Rules that vanished (drift) are reported in the thread and, loudly, at the top of the audit channel.
  const vanished = why === 'vanished' ? auditEvent('grant.vanished', next, actor, now, drift) : undefined;
  const events = vanished ? [vanished, event] : [event];
  const notifications = [
    ...(vanished ? [...announce(vanished, next), { kind: 'alert' as const, event: vanished, request: next }] : []),
    ...announce(event, next),
  ];
  const closing = (await ctx.store.transition(expectedOf(request), next, events, notifications)) ?? undefined;
  // A closing grant can no longer be extended: an extension waiting for approval ends here.
  if (closing) await cancelPendingExtensions(ctx, closing, why === 'vanished' ? 'closed (its firewall rules vanished)' : why);
  return closing;
}

export async function closeUnlocked(ctx: WorkflowContext, request: AccessRequest): Promise<AccessRequest | undefined> {
  crashPoint('closing-before-close');
  const spec = grantSpec(request, request.endAt ?? ctx.clock.now());
  try {
    await backendOf(ctx, request).close(spec);
  } catch (error) {
    return recordCloseFailure(ctx, request, error);
  }
  crashPoint('closed-before-commit');
  const now = ctx.clock.now();
  const next: AccessRequest = { ...request, state: 'closed', ...(request.endAt === undefined || request.endAt > now ? { endAt: now } : {}) };
  const event = auditEvent('grant.closed', next, 'system', now, request.reason);
  const stored = await ctx.store.transition(expectedOf(request), next, [event], announce(event, next, { dm: true }));
  ctx.listener.notified?.();
  if (stored) {
    ctx.listener.ended?.(stored);
    ctx.logger.info(`request ${request.id}: grant closed (${request.reason ?? 'closed'})`);
  }
  return stored ?? (await ctx.store.getRequest(request.id));
}

async function activateUnlocked(ctx: WorkflowContext, id: string): Promise<AccessRequest> {
  const current = await ctx.store.getRequest(id);
  if (!current) throw new JitError('jit_not_found', `request #${id} does not exist`);
  // An approved extension never opens a grant of its own: applyExtension moves its original's end.
  if (current.state !== 'approved' || current.extends !== undefined) return current;
  crashPoint('approved-before-open');

  const startAt = ctx.clock.now();
  const endAt = startAt + current.durationSeconds * 1000;
  const spec = grantSpec(current, endAt);
  let backend: FirewallBackend;
  try {
    backend = backendOf(ctx, current);
    await backend.open(spec);
  } catch (error) {
    return recordOpenFailure(ctx, current, spec, error);
  }
  crashPoint('opened-before-active');

  const next: AccessRequest = { ...current, state: 'active', startAt, endAt };
  const event = auditEvent('grant.opened', next, 'system', startAt);
  const stored = await ctx.store.transition(expectedOf(current), next, [event], announce(event, next, { dm: true }));
  if (stored) crashPoint('active-committed');
  ctx.listener.notified?.();
  if (stored) {
    ctx.listener.activated?.(stored);
    ctx.logger.info(`request ${id}: grant opened on ${stored.vm} until ${new Date(endAt).toISOString()}`);
    return stored;
  }
  // Another writer moved the request while the port was opening (a revoke from
  // another process). It is no longer meant to be open: close what we opened.
  const latest = (await ctx.store.getRequest(id)) ?? current;
  if (latest.state !== 'active') await closeQuietly(ctx, backend, spec);
  return latest;
}

async function recordOpenFailure(ctx: WorkflowContext, request: AccessRequest, spec: GrantSpec, error: unknown): Promise<AccessRequest> {
  const message = errorMessage(error);
  ctx.logger.error(`request ${request.id}: opening the grant failed:`, error);
  const next: AccessRequest = { ...request, state: 'failed', reason: `the firewall could not open the port: ${message}` };
  const event = auditEvent('grant.open_failed', next, 'system', ctx.clock.now(), message);
  const stored = await ctx.store.transition(expectedOf(request), next, [event], announce(event, next, { dm: true }));
  ctx.listener.notified?.();
  if (stored) ctx.listener.ended?.(stored);
  // A backend may have applied part of the grant before failing: fail closed.
  const backend = ctx.backends.find(request.target?.backend);
  if (backend) await closeQuietly(ctx, backend, spec);
  return stored ?? (await ctx.store.getRequest(request.id)) ?? next;
}

async function recordCloseFailure(ctx: WorkflowContext, request: AccessRequest, error: unknown): Promise<AccessRequest | undefined> {
  const attempts = (request.closeAttempts ?? 0) + 1;
  const message = errorMessage(error);
  ctx.logger.error(`request ${request.id}: closing the grant failed (attempt ${attempts}), will retry:`, error);
  const next: AccessRequest = { ...request, closeAttempts: attempts };
  const event = auditEvent('grant.close_failed', next, 'system', ctx.clock.now(), `attempt ${attempts}: ${message}`);
  const tenth = attempts % 10 === 0;
  const notifications = [
    ...(CLOSE_REPORT_ATTEMPTS.has(attempts) || tenth ? announce(event, next) : []),
    ...(attempts === CLOSE_ALERT_AFTER || tenth ? [{ kind: 'alert' as const, event, request: next }] : []),
  ];
  const stored = await ctx.store.transition(expectedOf(request), next, [event], notifications);
  if (notifications.length > 0) ctx.listener.notified?.();
  // Back off 1 s, 2 s, 4 s … up to a minute; the minute sweep is the backstop.
  if (stored) ctx.listener.retryClose?.(stored, Math.min(CLOSE_RETRY_MAX_MS, 1000 * 2 ** (attempts - 1)));
  return stored ?? (await ctx.store.getRequest(request.id));
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

export function expectedOf(request: AccessRequest): { id: string; state: RequestState; version: number } {
  return { id: request.id, state: request.state, version: request.version };
}

function errorMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 300);
}
