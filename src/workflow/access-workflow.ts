// The use cases behind one object: what Slack listeners, the CLI and the
// scheduler call. Each method is a whole use case; none holds Slack or SQL.

import type { AccessRequest } from '../domain/types.js';
import type { ActiveEnd } from '../ports/store.js';
import { refuse } from '../domain/errors.js';
import { LIVE_STATES } from '../domain/lifecycle.js';
import { rateVerdict, windowStart } from '../domain/rate-limit.js';
import type { WorkflowContext } from './context.js';
import { checkRequest, createRequest, type CreateResult, type FieldProblem, type RequestInput } from './create-request.js';
import { load } from './commit.js';
import { approve, type DecideResult, deny } from './decide-request.js';
import { isBatchInput } from '../domain/batch-draft.js';
import { checkBatch, createBatch } from './batch.js';
import { approveBatch, batchMembers, cancelBatch, denyBatch, isBatchLeader } from './batch-decide.js';
import { cancel, revoke } from './end-request.js';
import { warnExpiry } from './expiry-warning.js';
import { extend, type ExtendOptions, type ExtendResult } from './extend.js';
import { expire, expireMany } from './grant.js';
import { acknowledge, unreviewed } from './acknowledge.js';
import { explainRequest, type ExplainResult } from './explain.js';
import { DriftMemory } from './reconcile.js';
import { sweep, type SweepReport } from './sweep.js';
import { type OverdueReport, watchOverdue } from './overdue.js';
import { filterInventory, type Inventory } from '../domain/inventory.js';
import { homeOf, isAdmin, type HomeData } from './home.js';
import { readInventory } from './inventory.js';
import { exportAuditFor, type AuditExportResult } from './audit-export.js';
import type { ExportFilter } from '../domain/audit-export.js';

/** Requests per requester per minute (a batch counts once). */
export const REQUEST_RATE_LIMIT = { max: 10, windowMs: 60_000 };

export class AccessWorkflow {
  private readonly drift = new DriftMemory();

  constructor(readonly ctx: WorkflowContext) {}

  check(input: RequestInput): Promise<FieldProblem[]> {
    return isBatchInput(input.vm) ? checkBatch(this.ctx, input) : checkRequest(this.ctx, input);
  }

  /** An approver reviews a break-glass grant. */
  acknowledge(id: string, user: string): Promise<AccessRequest> {
    return acknowledge(this.ctx, id, user);
  }

  /** Break-glass grants not reviewed yet. */
  unreviewedBreakGlass(): Promise<AccessRequest[]> {
    return unreviewed(this.ctx);
  }

  /** What the rules would decide, and why; stores nothing. */
  explain(input: RequestInput): Promise<ExplainResult> {
    return explainRequest(this.ctx, input);
  }

  /** `vm` may list several VMs (`web-1,db-1`): then a batch, one request per VM. */
  async request(input: RequestInput): Promise<CreateResult> {
    // Per requester: a runaway script cannot flood approvers or the firewall.
    // Only requests that were stored count (a typo does not use up the
    // allowance), and they are counted in the store, so the limit holds
    // however many replicas the requests are spread over.
    const now = this.ctx.clock.now();
    const times = await this.ctx.store.requestTimesSince(input.requester, windowStart(REQUEST_RATE_LIMIT, now));
    const allowed = rateVerdict(REQUEST_RATE_LIMIT, times, now);
    if (!allowed.ok) {
      throw refuse('rate_limited', { max: REQUEST_RATE_LIMIT.max, retryAfterSeconds: Math.ceil(allowed.retryAfterMs / 1000) });
    }
    return isBatchInput(input.vm) ? createBatch(this.ctx, input) : createRequest(this.ctx, input);
  }

  /** On a batch leader's id (the approval message's button): every pending member the user may approve. */
  async approve(id: string, user: string): Promise<DecideResult> {
    return (await isBatchLeader(this.ctx, id)) ? approveBatch(this.ctx, id, user) : approve(this.ctx, id, user);
  }

  async deny(id: string, user: string, reason?: string): Promise<DecideResult> {
    return (await isBatchLeader(this.ctx, id)) ? denyBatch(this.ctx, id, user, reason) : deny(this.ctx, id, user, reason);
  }

  /** On a batch leader's id: cancels every pending member and resolves with the leader as it is now. */
  async cancel(id: string, user: string): Promise<AccessRequest> {
    if (!(await isBatchLeader(this.ctx, id))) return cancel(this.ctx, id, user);
    await cancelBatch(this.ctx, id, user);
    return load(this.ctx, id);
  }

  /** Like `cancel`, resolving with every request it cancelled (one, or the batch's pending members). */
  async cancelAll(id: string, user: string): Promise<AccessRequest[]> {
    return (await isBatchLeader(this.ctx, id)) ? cancelBatch(this.ctx, id, user) : [await cancel(this.ctx, id, user)];
  }

  /** The requests of one batch, leader first; empty when `batchId` leads none. */
  batchMembers(batchId: string): Promise<AccessRequest[]> {
    return batchMembers(this.ctx, batchId);
  }

  revoke(id: string, user: string): Promise<AccessRequest> {
    return revoke(this.ctx, id, user);
  }

  /** The requester gives an active grant more time (rule engine and port maximum permitting). */
  extend(id: string, user: string, options?: ExtendOptions): Promise<ExtendResult> {
    return extend(this.ctx, id, user, options);
  }

  /** Called by the per-grant warning timer: DMs the requester once, shortly before the end. */
  warnExpiry(id: string): Promise<AccessRequest | undefined> {
    return warnExpiry(this.ctx, id);
  }

  /** Called by the precise per-grant timer. */
  expire(id: string): Promise<AccessRequest | undefined> {
    return expire(this.ctx, id);
  }

  /** Called by the expiry timers with every grant due in one tick: closed side by side, their commits and closes batched. */
  expireMany(ids: readonly string[]): Promise<PromiseSettledResult<AccessRequest | undefined>[]> {
    return expireMany(this.ctx, ids);
  }

  /** Closes grants their timers missed and sends the expiry warnings they missed (the leading replica, every second). */
  watchOverdue(): Promise<OverdueReport> {
    return watchOverdue(this.ctx);
  }

  sweep(): Promise<SweepReport> {
    return sweep(this.ctx, this.drift);
  }

  /** The activity log as CSV rows, for an audit reader only. */
  auditExport(user: string, filter: ExportFilter): Promise<AuditExportResult> {
    return exportAuditFor(this.ctx, user, filter);
  }

  get(id: string): Promise<AccessRequest> {
    return load(this.ctx, id);
  }

  /** The requester's requests that still matter: waiting, approved, open or closing. */
  async openRequestsOf(user: string): Promise<AccessRequest[]> {
    // No user, no list: an empty filter would mean everyone's requests.
    if (typeof user !== 'string' || user === '') return [];
    return this.ctx.store.listRequests({ requester: user, states: LIVE_STATES });
  }

  /**
   * Configured, not configured and unsupported VMs, only those whose name
   * matches `glob` when given; a backend that cannot list is reported, not thrown.
   */
  async inventory(glob?: string): Promise<Inventory> {
    const inventory = await readInventory(this.ctx);
    return glob === undefined ? inventory : filterInventory(inventory, glob);
  }

  /** Everything the user's App Home shows. */
  home(user: string): Promise<HomeData> {
    return homeOf(this.ctx, user);
  }

  /** JIT_ADMINS or the policy's `admins` name the user (or a group of theirs). */
  isAdmin(user: string): Promise<boolean> {
    return isAdmin(this.ctx, user);
  }

  /** Every active request with an end, by its times only (what arming timers needs), soonest first. */
  activeEnds(): Promise<ActiveEnd[]> {
    return this.ctx.store.activeEnds(Number.MAX_SAFE_INTEGER);
  }

  /** Waits for every in-flight use case (graceful shutdown). */
  idle(): Promise<void> {
    return this.ctx.lock.idle();
  }
}
