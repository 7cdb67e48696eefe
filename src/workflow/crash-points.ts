// Test-only crash points: places in the workflow where the end-to-end crash test
// (test/e2e/crash.test.ts) makes the real process die with SIGKILL, to prove
// that a restart converges whatever step the crash interrupted. In production
// JIT_CRASH_AT is unset and crashPoint() does nothing.
//
// The kill is synchronous and skips every cleanup (no finally, no exit
// handlers, no flush), exactly like a power cut or the OOM killer: the next
// statement after crashPoint() never runs.

/** Every crash point, in the order a grant passes them. Adding one is one line here. */
export const CRASH_POINTS = [
  /** An Approve click completes the quorum; its compare-and-swap is not written yet. */
  'approving-before-commit',
  /** The request is committed `approved`; the firewall has not been asked to open. */
  'approved-before-open',
  /** The firewall opened the port; `active` is not committed. */
  'opened-before-active',
  /** `active` is committed with its audit event and messages; the outbox has not been woken. */
  'active-committed',
  /** `closing` is committed; the firewall has not been asked to close. (An expiry on a backend that closes at the end by itself commits nothing before the close: it never passes here.) */
  'closing-before-close',
  /** The firewall confirmed the close; `closed` is not committed: the grant is `closing`, or still `active` past its end after such an expiry (grant.ts, confirmExpiry). */
  'closed-before-commit',
  /** Slack accepted a post of the outbox; its ts is not recorded (the post must not be repeated). */
  'outbox-posted-before-recorded',
  /** A row's posts are all accepted; its delivery (with their ts, held back for it) is not committed. */
  'outbox-delivered-before-committed',
] as const;

export type CrashPointName = (typeof CRASH_POINTS)[number];

/**
 * Read once, from the process's own environment: a crash point ends the process,
 * so it is a property of the process, not of one bot built in it. The config
 * validation (src/config/env.ts) refuses a name that is not in CRASH_POINTS.
 */
const armed = process.env.JIT_CRASH_AT || undefined;

/** Dies at once with SIGKILL when JIT_CRASH_AT names this point; otherwise does nothing. */
export function crashPoint(name: CrashPointName): void {
  if (armed === name) process.kill(process.pid, 'SIGKILL');
}
