// Reconciliation: what each firewall backend really has open, against what the
// store says is open. Runs at the end of every sweep.
//
// - An allow rule that no approved, active or closing request explains is an
//   orphan (a close that a crash or a person undid, a rule added by hand): it is
//   closed and reported as drift in the audit channel.
// - An active grant whose allow rules are gone before its end (someone deleted
//   them) is reported and closed: the bot never shows access it does not have.
// - A rule the bot cannot attribute to any request id (no id in its name or
//   comment) cannot be closed by id: it is reported, loudly, for a human.
//
// The backend is read first and the store second, so a grant that opens in
// between can look vanished, and one that closes in between can look orphaned.
// Every suspect is therefore checked again under the request's lock, with a
// fresh read of both, before anything is closed or reported.

import type { AccessRequest, RequestState, SystemEvent, SystemEventName } from '../domain/types.js';
import type { FirewallBackend, GrantSpec, OpenRule } from '../ports/firewall.js';
import type { WorkflowContext } from './context.js';
import { beginClose, closeUnlocked, grantSpec } from './grant.js';
import { OPEN_STATES } from '../domain/lifecycle.js';

/** States whose allow rules are expected on the backend (approved: an open may be under way). */
const EXPLAINED: ReadonlySet<RequestState> = new Set(OPEN_STATES);
/**
 * A grant's rules may go a little before its end without being drift: nftables
 * drops elements by their own kernel timeout, counted from the open.
 */
export const VANISH_GRACE_MS = 5000;

export interface ReconcileReport {
  orphansClosed: number;
  vanished: number;
  /** Rules reported for a human: no request id, or a close that failed. */
  unresolved: number;
  /** Backends whose list() failed: nothing could be compared there. */
  unlisted: number;
}

/**
 * Remembers which unresolved rules this process has already reported, so a rule
 * a human must remove is announced once, not every minute. A restart reports
 * it again, once.
 */
export class DriftMemory {
  private readonly reported = new Set<string>();

  /** True the first time a key is seen. */
  first(key: string): boolean {
    if (this.reported.has(key)) return false;
    this.reported.add(key);
    return true;
  }

  /** Forget keys no longer seen, so a rule that comes back is reported again. */
  keepOnly(keys: Set<string>): void {
    for (const key of this.reported) if (!keys.has(key)) this.reported.delete(key);
  }
}

export async function reconcile(ctx: WorkflowContext, memory: DriftMemory): Promise<ReconcileReport> {
  const report: ReconcileReport = { orphansClosed: 0, vanished: 0, unresolved: 0, unlisted: 0 };
  const seen = new Set<string>();
  const listed: Array<[FirewallBackend, OpenRule[]]> = [];
  for (const backend of ctx.backends.all()) {
    if (ctx.settings.unreconciled?.includes(backend.name)) continue;
    try {
      listed.push([backend, await backend.list()]);
    } catch (error) {
      report.unlisted++;
      ctx.logger.warn(`reconcile: backend ${backend.name} could not be listed, skipped this sweep: ${messageOf(error)}`);
    }
  }
  if (listed.length > 0) {
    // Every backend is listed before the store is read (see the top); one read of
    // the open requests serves them all, instead of a read per rule holder.
    const open = await openRequests(ctx);
    for (const [backend, rules] of listed) await reconcileBackend(ctx, memory, backend, rules, open, report, seen);
  }
  memory.keepOnly(seen);
  return report;
}

/** The requests whose rules are expected on a backend, by id. */
async function openRequests(ctx: WorkflowContext): Promise<Map<string, AccessRequest>> {
  const open = new Map<string, AccessRequest>();
  for (const request of await ctx.store.listRequests({ states: OPEN_STATES })) open.set(request.id, request);
  return open;
}

async function reconcileBackend(
  ctx: WorkflowContext,
  memory: DriftMemory,
  backend: FirewallBackend,
  rules: OpenRule[],
  open: ReadonlyMap<string, AccessRequest>,
  report: ReconcileReport,
  seen: Set<string>,
): Promise<void> {
  const byRequest = groupByRequest(rules);
  for (const rule of byRequest.get('') ?? []) {
    const key = `${backend.name}|${ruleText(rule)}`;
    seen.add(key);
    if (memory.first(key)) {
      report.unresolved++;
      await recordDrift(
        ctx,
        'drift.orphan_close_failed',
        `${ruleSentence(backend, rule)} carries no request id, so the bot cannot close it: remove it by hand`,
      );
    }
  }
  for (const [requestId, held] of byRequest) {
    if (requestId === '') continue;
    if (open.has(requestId)) continue;
    const key = `${backend.name}|${requestId}`;
    const outcome = await closeOrphan(ctx, backend, requestId, held, () => memory.first(key));
    if (outcome === 'closed') report.orphansClosed++;
    if (outcome === 'failed') {
      seen.add(key);
      report.unresolved++;
    }
  }
  const now = ctx.clock.now();
  for (const request of open.values()) {
    if (request.state !== 'active' || request.target?.backend !== backend.name || request.endAt === undefined || request.endAt <= now + VANISH_GRACE_MS)
      continue;
    if (missingPorts(request, byRequest.get(request.id) ?? []).length === 0) continue;
    if (await closeVanished(ctx, backend, request.id)) report.vanished++;
  }
}

/**
 * Closes an orphan's rules by its request id and reports it. Checked again under
 * the lock first. A failed close is retried every sweep but reported only when
 * `firstFailure()` says so.
 */
async function closeOrphan(
  ctx: WorkflowContext,
  backend: FirewallBackend,
  requestId: string,
  held: OpenRule[],
  firstFailure: () => boolean,
): Promise<'closed' | 'failed' | 'explained'> {
  return ctx.lock.run(requestId, async () => {
    const request = await ctx.store.getRequest(requestId);
    if (request && EXPLAINED.has(request.state)) return 'explained';
    const still = (await backend.list()).filter((rule) => rule.requestId === requestId);
    if (still.length === 0) return 'explained';
    const what = still.map((rule) => ruleSentence(backend, rule)).join('; ');
    const whose = request ? `request ${requestId} is ${request.state.replace('_', ' ')}` : `no request ${requestId} is stored`;
    try {
      await backend.close(orphanSpec(ctx, request, requestId, still[0] ?? held[0]!));
    } catch (error) {
      ctx.logger.error(`reconcile: closing orphan rule(s) of request ${requestId} on ${backend.name} failed:`, error);
      if (firstFailure())
        await recordDrift(ctx, 'drift.orphan_close_failed', `${what}, but ${whose}; closing it failed, retried every sweep: ${messageOf(error)}`);
      return 'failed';
    }
    await recordDrift(ctx, 'drift.orphan_closed', `${what}, but ${whose}: closed`);
    ctx.logger.warn(`reconcile: closed orphan rule(s) of request ${requestId} on ${backend.name} (${whose})`);
    return 'closed';
  });
}

/** Reports an active grant whose rules are gone and closes what is left of it. Checked again under the lock first. */
async function closeVanished(ctx: WorkflowContext, backend: FirewallBackend, id: string): Promise<boolean> {
  return ctx.lock.run(id, async () => {
    const current = await ctx.store.getRequest(id);
    if (current?.kind !== 'grant' || current.state !== 'active' || current.endAt === undefined || current.endAt <= ctx.clock.now() + VANISH_GRACE_MS)
      return false;
    const missing = missingPorts(
      current,
      (await backend.list()).filter((rule) => rule.requestId === id),
    );
    if (missing.length === 0) return false;
    const detail = `${missing.join(', ')} no longer open on backend ${backend.name} before the end`;
    const closing = await beginClose(ctx, current, 'system', 'vanished', detail);
    if (!closing) return false;
    ctx.logger.warn(`reconcile: request ${id}: ${detail}; closing the rest`);
    await closeUnlocked(ctx, closing);
    return true;
  });
}

async function recordDrift(ctx: WorkflowContext, name: SystemEventName, detail: string): Promise<void> {
  const event: SystemEvent = { name, actor: 'system', at: ctx.clock.now(), detail };
  await ctx.store.recordSystemEvent(event, [{ kind: 'system', event }]);
  ctx.listener.notified?.();
}

/** The grant's ports (`22/TCP`) that have no allow rule among `held`. */
function missingPorts(request: AccessRequest, held: OpenRule[]): string[] {
  return request.ports
    .filter((port) => !held.some((rule) => rule.port === port.number && (rule.protocol === port.protocol || port.protocol === '*')))
    .map((port) => `${port.number}/${port.protocol}`);
}

/** What to ask the backend to close: the stored request's own target, else what the rule and policy tell. */
function orphanSpec(ctx: WorkflowContext, request: AccessRequest | undefined, requestId: string, rule: OpenRule): GrantSpec {
  if (request?.target) return grantSpec(request, request.endAt ?? ctx.clock.now());
  const vm = ctx.policy().vms.find((candidate) => candidate.name === rule.vmName);
  return {
    requestId,
    vmId: vm?.id ?? rule.vmName,
    vmName: rule.vmName,
    address: vm?.address ?? vm?.name ?? rule.vmName,
    ports: [{ number: rule.port, protocol: rule.protocol }],
    source: rule.source,
    endAt: ctx.clock.now(),
  };
}

function groupByRequest(rules: OpenRule[]): Map<string, OpenRule[]> {
  const groups = new Map<string, OpenRule[]>();
  for (const rule of rules) {
    const group = groups.get(rule.requestId);
    if (group) group.push(rule);
    else groups.set(rule.requestId, [rule]);
  }
  return groups;
}

function ruleText(rule: OpenRule): string {
  return `${rule.vmName}:${rule.port}/${rule.protocol} from ${rule.source}`;
}

function ruleSentence(backend: FirewallBackend, rule: OpenRule): string {
  return `backend ${backend.name} allows ${rule.port}/${rule.protocol} on ${rule.vmName} from ${rule.source}`;
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 300);
}
