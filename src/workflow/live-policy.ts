// The policy the bot runs: the policy file (or Defender for Cloud's policies,
// read asynchronously) plus the Slack overlay, composed and validated by
// domain/policy/overlay.ts. Every change goes through one path, whether a
// reload (SIGHUP, the azure:// schedule) or an admin's edit: compose and validate,
// tell the backends which ports to keep closed (so deny rules cover a new
// port before anyone can ask for it), then swap. Both run under one lock, so
// an edit never interleaves with a reload.

import type { Logger } from '../ports/logger.js';
import { JitError } from '../domain/errors.js';
import type { Message } from '../domain/message.js';
import { composePolicy, protectionPolicy, type Composed, type ComposeOptions, type OverlayVm } from '../domain/policy/overlay.js';
import { formatPolicyProblems, type PolicyProblem } from '../domain/policy/problems.js';
import { formatUtc } from '../domain/duration.js';
import type { Policy, SystemEvent, VmPolicy } from '../domain/types.js';
import type { BackendRegistry } from './backends.js';
import type { RequestLock } from '../ports/lock.js';
import type { Clock } from '../ports/clock.js';
import type { AuditLog, PolicyOverlayStore } from '../ports/store.js';

/** A policy file that validated on its own. */
export interface PolicyFile {
  document: unknown;
  policy: Policy;
}

export interface LivePolicyDeps {
  store: PolicyOverlayStore & AuditLog;
  backends: BackendRegistry;
  clock: Clock;
  logger: Logger;
  lock: RequestLock;
  /**
   * Reads the policy file again (or Defender for Cloud: a Promise); throws a
   * sentence naming every problem when it is unreadable, invalid, or one of its
   * own VMs names a backend that is not running (an overlay entry that does is
   * only not applied).
   */
  readFile: () => PolicyFile | Promise<PolicyFile>;
  /** Outbox rows were written (the not-applied notices): wake the delivery worker. */
  notified?: () => void;
}

export type Preview = { ok: true; composed: Composed } | { ok: false; problems: PolicyProblem[] };

/** A commit: the preview it saved, or why the running policy refuses it. */
export type Committed = Preview | { ok: false; refused: Message };

/** One admin change, as LivePolicy.commit applies it. */
export interface Change {
  /** The audit event, from the policy about to run and the one running until now. */
  audit: (next: Composed, previous: Policy) => SystemEvent;
  /** A reason to refuse, judged on the running policy under the lock (say, the VM was enabled meanwhile). */
  unless?: (current: Policy) => Message | undefined;
}

// Shares the per-request lock map; request ids are six characters without a colon, so never this.
const LOCK_KEY = 'policy:live';

export class LivePolicy {
  /**
   * The file composed with the stored overlay. Writes nothing: the running bot
   * then calls reportOverlay(); backends are told by protect() once they run.
   */
  static async load(deps: LivePolicyDeps, file: PolicyFile): Promise<LivePolicy> {
    const live = new LivePolicy(deps, file);
    live.current = live.compose(file, await deps.store.overlayVms());
    return live;
  }

  private current!: Composed;

  private constructor(
    private readonly deps: LivePolicyDeps,
    private file: PolicyFile,
  ) {}

  /**
   * Says loudly (log and audit channel) which overlay entries are not applied,
   * and retires those the file caught up with. The bot does so at start and on
   * every reload; a CLI command only reads the policy.
   */
  reportOverlay(): Promise<void> {
    return this.report(this.current);
  }

  policy(): Policy {
    return this.current.policy;
  }

  composed(): Composed {
    return this.current;
  }

  /** Deny rules for every configured port, and for the ports of entries that could not be applied. */
  protect(): Promise<void> {
    return this.deps.backends.protectAll(protectionPolicy(this.current, this.options()));
  }

  /** Reads the file again and applies it with the overlay; on any problem throws and keeps the running policy. */
  async reload(): Promise<Composed> {
    return (await this.read(false)) ?? this.current;
  }

  /**
   * A scheduled read: applies the policy only when its document changed since
   * the last one read (resolves undefined, and does nothing, when not); on any
   * problem throws and keeps the running policy.
   */
  refresh(): Promise<Composed | undefined> {
    return this.read(true);
  }

  private async read(onlyIfChanged: boolean): Promise<Composed | undefined> {
    // Read before taking the lock: Defender for Cloud may take a while (throttled,
    // retried), and an admin's edit from Slack should not wait on Azure.
    const file = await this.deps.readFile();
    return this.deps.lock.run(LOCK_KEY, async () => {
      if (onlyIfChanged && JSON.stringify(file.document) === JSON.stringify(this.file.document)) return undefined;
      const next = this.compose(file, await this.deps.store.overlayVms());
      await this.deps.backends.protectAll(protectionPolicy(next, this.options()));
      [this.file, this.current] = [file, next];
      await this.report(next);
      return next;
    });
  }

  /** What the policy would be with `entry` saved (replacing the entry of its name); problems are the entry's own. */
  async preview(entry: OverlayVm): Promise<Preview> {
    const stored = await this.deps.store.overlayVms();
    const same = (other: OverlayVm) => other.name.toLowerCase() === entry.name.toLowerCase();
    const entries = stored.some(same) ? stored.map((other) => (same(other) ? entry : other)) : [...stored, entry];
    const composed = composePolicy(this.file.document, entries, this.options());
    // The running file validated when it was loaded, so only the entries can fail here.
    if (!composed.ok) return composed;
    const rejected = composed.rejected.find((item) => item.entry === entry);
    return rejected ? { ok: false, problems: rejected.problems } : { ok: true, composed };
  }

  /**
   * Validates again under the lock, protects the new ports, stores the entry
   * with its audit event (posted to the audit channel), then swaps. A failed
   * protect stores nothing; a failed store puts the previous deny rules back.
   */
  commit(entry: OverlayVm, change: Change): Promise<Committed> {
    return this.deps.lock.run(LOCK_KEY, async () => {
      const previous = this.current.policy;
      // Checked here, under the lock, so two admins racing cannot both pass it.
      const refusal = change.unless?.(previous);
      if (refusal !== undefined) return { ok: false, refused: refusal };
      const preview = await this.preview(entry);
      if (!preview.ok) return preview;
      const next = preview.composed;
      await this.deps.backends.protectAll(protectionPolicy(next, this.options()));
      try {
        const event = change.audit(next, previous);
        await this.deps.store.saveOverlayVm(entry, event, [{ kind: 'system', event }]);
      } catch (error) {
        await this.protect().catch((undo: unknown) => this.deps.logger.error('policy overlay: could not restore the previous deny rules:', undo));
        throw error;
      }
      this.current = next;
      this.deps.notified?.();
      return preview;
    });
  }

  private compose(file: PolicyFile, entries: readonly OverlayVm[]): Composed {
    return composeRunningPolicy(file, entries, this.options());
  }

  private options(): ComposeOptions {
    return { vmProblem: (vm: VmPolicy) => backendProblem(this.deps.backends, vm) };
  }

  /** Says loudly (log and audit channel) which entries are not applied, and retires the ones the file caught up with. */
  private async report(composed: Composed): Promise<void> {
    const { store, logger, clock } = this.deps;
    for (const entry of composed.redundant) {
      if (await store.retireOverlayVm(entry.name))
        logger.info(
          `policy overlay: the policy file now says the same as the Slack edit of ${entry.name}; that overlay entry is retired and the file rules it again`,
        );
    }
    for (const { entry, problems } of composed.rejected) {
      const detail = notAppliedDetail(entry, problems);
      logger.error(`policy overlay: ${detail}`);
      const event: SystemEvent = { name: 'policy.overlay_not_applied', actor: 'system', at: clock.now(), detail };
      try {
        await store.recordSystemEvent(event, [{ kind: 'system', event }]);
      } catch (error) {
        logger.error('policy overlay: could not record the notice in the audit log:', error);
      }
    }
    if (composed.rejected.length > 0) this.deps.notified?.();
  }
}

/**
 * The one definition of the running policy: the file with the overlay entries
 * composed over it (domain/policy/overlay.ts). Throws jit_policy_invalid when
 * the file itself is invalid; an entry that fails is left out, in `rejected`.
 */
export function composeRunningPolicy(file: PolicyFile, entries: readonly OverlayVm[], options?: ComposeOptions): Composed {
  const composed = composePolicy(file.document, entries, options);
  if (!composed.ok) throw new JitError('jit_policy_invalid', formatPolicyProblems(composed.problems));
  return composed;
}

function backendProblem(backends: BackendRegistry, vm: VmPolicy): string | undefined {
  try {
    backends.forVm(vm);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Names the VM, what is wrong, what happens meanwhile, and the two ways out. */
export function notAppliedDetail(entry: OverlayVm, problems: readonly PolicyProblem[]): string {
  const why = problems
    .slice(0, 5)
    .map((problem) => (problem.path === '(vm)' ? problem.message : `${problem.path}: ${problem.message}`))
    .join('; ');
  const more = problems.length > 5 ? `; and ${problems.length - 5} more` : '';
  return (
    `the Slack edit of ${entry.name} (by ${entry.updatedBy}, ${formatUtc(entry.updatedAt)}) no longer validates against the policy file and is NOT applied: ${why}${more}. ` +
    `Its ports stay closed but cannot be requested; the file's own entry for ${entry.name}, if any, applies. ` +
    `To resolve: \`/jit edit ${entry.name}\` (or \`/jit enable ${entry.name}\` when the file has no such VM) saves a valid version, ` +
    'or run `jit policy export`, fix the VM in the policy file and reload.'
  );
}
