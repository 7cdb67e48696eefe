// The shapes every layer speaks. Pure data: no I/O, no classes with behaviour.
// Times are epoch milliseconds; durations are whole seconds.

export type Protocol = 'TCP' | 'UDP' | '*';

/** One port of one VM as the policy configures it (Azure's port object, normalised). */
export interface PortPolicy {
  number: number;
  protocol: Protocol;
  /** true when Azure's `*` (or 0.0.0.0/0 together with ::/0) allows any source. */
  anySource: boolean;
  /** Normalised CIDRs (`203.0.113.0/24`, `2001:db8::/32`); empty when anySource. */
  allowedSourcePrefixes: string[];
  maxDurationSeconds: number;
  /** Optional floor (our extension, `minRequestAccessDuration`); default 1 second. */
  minDurationSeconds: number;
}

export interface VmPolicy {
  /** Azure resource id, or the name itself for VMs that are not in Azure. */
  id: string;
  /** Short name users type: last segment of `id` unless `name` is given. */
  name: string;
  /** Address users connect to and firewalls match (IP or host name). */
  address?: string;
  /** Firewall backend name; undefined means JIT_BACKEND. */
  backend?: string;
  tags: Record<string, string>;
  ports: PortPolicy[];
}

export type RuleEffect = 'approve' | 'deny' | 'require_approval' | 'break_glass';

export interface RuleMatch {
  /** Globs on the VM short name (`*` and `?`); any of them matches. */
  vms?: string[];
  /** Every tag listed must be present with this value (value `*` = present). */
  tags?: Record<string, string>;
  /** Every requested port must be in this list. */
  ports?: number[];
  /** Slack user IDs (U…/W…) or user-group IDs (S…); the requester or one of their groups. */
  requesters?: string[];
  /** Matches when the requested duration is at most this many seconds. */
  maxDurationSeconds?: number;
  /** Matches when the requested source lies inside one of these CIDRs. */
  sources?: string[];
  /**
   * Local time of day in `timezone`, in minutes since midnight: `from` inclusive,
   * `to` exclusive (1440 = end of day); a window with `to` <= `from` wraps midnight.
   */
  hours?: { from: number; to: number };
  /** Local weekday in `timezone` (of the moment itself, also inside a wrapping window). */
  weekdays?: ('mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun')[];
  /** Canonical IANA zone for `hours` and `weekdays`; absent means UTC. */
  timezone?: string;
  /**
   * The requester is on call now in any of these schedules or escalation
   * policies. The workflow asks an on-call port and hands the answers in
   * (RuleInput.onCall); an answer that is missing or failed does not hold.
   */
  onCall?: OnCallMatch;
}

/** Where a requester may be on call: at least one list, each non-empty. */
export interface OnCallMatch {
  /** PagerDuty schedule and escalation-policy IDs (P…). */
  pagerduty?: { schedules?: string[]; escalationPolicies?: string[] };
  /** Opsgenie schedule names (or IDs). */
  opsgenie?: { schedules?: string[] };
}

export interface Rule {
  name: string;
  match: RuleMatch;
  effect: RuleEffect;
  /** For require_approval: how many distinct approvers (default 1). */
  approvals?: number;
  /**
   * For require_approval: who may approve; for break_glass: who must acknowledge
   * afterwards. User or group IDs; default the policy's approvers.
   */
  approvers?: string[];
  /** Shown to the requester and in the audit trail. */
  reason?: string;
  /** For require_approval: seconds a request may wait for approvals (default 1800). */
  pendingTimeoutSeconds?: number;
  /** For require_approval: whether one Deny ends the request (default true). */
  denyEndsRequest?: boolean;
  /**
   * What the justification must be. `pattern` is compiled once, when the policy is
   * parsed. A break_glass rule requires a justification whatever this says.
   */
  justification?: { required: boolean; pattern?: RegExp; hint?: string };
}

export interface Policy {
  vms: VmPolicy[];
  /** Default approvers: Slack user IDs and user-group IDs. */
  approvers: string[];
  rules: Rule[];
  /** Who may enable JIT on more VMs: Slack user IDs and user-group IDs (JIT_ADMINS adds users). */
  admins?: string[];
  /** Who may export the audit log (`/jit audit`): Slack user IDs and user-group IDs. Absent: nobody named in the policy. */
  readers?: string[];
}

export interface Decision {
  effect: RuleEffect;
  approvalsNeeded: number;
  approvers: string[];
  /** Rule name, or null when no rule matched and the default applied. */
  matchedRule: string | null;
  reasons: string[];
  /**
   * Set when the draft's justification does not meet the matched rule's policy:
   * show it to the requester as an inline error and do not create the request.
   */
  justificationError?: string;
  /** For require_approval: seconds before a pending request times out (absent: 1800). */
  pendingTimeoutSeconds?: number;
  /** For require_approval: whether one Deny ends the request (absent: true). */
  denyEndsRequest?: boolean;
}

export type RequestState = 'pending' | 'approved' | 'active' | 'closing' | 'closed' | 'denied' | 'cancelled' | 'timed_out' | 'failed';

export interface RequestedPort {
  number: number;
  protocol: Protocol;
}

/** What a requester asked for, after validation against the policy. */
export interface RequestDraft {
  requester: string;
  vm: string;
  ports: RequestedPort[];
  /** Normalised CIDR (`198.51.100.7/32`), or `*` for any source. */
  source: string;
  durationSeconds: number;
  justification: string;
}

/** What every stored request has, whatever its kind. */
export interface RequestCore extends RequestDraft {
  id: string;
  state: RequestState;
  /** Bumped by every write; the compare-and-swap token for approvals. */
  version: number;
  createdAt: number;
  decision: Decision;
  /** Distinct user IDs who approved so far. */
  approvals: string[];
  /**
   * Distinct user IDs who clicked Deny on a request whose rule says a Deny does
   * not end it (`denyEndsRequest: false`). Nobody is in both lists.
   */
  denials?: string[];
  /**
   * When the approvers were reminded, halfway to the pending timeout. Persisted
   * with the reminder in one compare-and-swap, so they are reminded once only.
   */
  remindedAt?: number;
  /** Who denied, cancelled or revoked; or `system`. */
  decidedBy?: string;
  startAt?: number;
  endAt?: number;
  /** Why it ended the way it did (deny reason, failure message, `expired`, `revoked`). */
  reason?: string;
  /**
   * Where the grant lives, fixed when the request is approved, so a later policy
   * edit can never stop the bot from closing what it opened.
   */
  target?: GrantTarget;
}

/**
 * A request that opens a grant of its own: one VM's ports for one source. A
 * break-glass grant is one whose decision's effect is `break_glass`.
 */
export interface GrantRequest extends RequestCore {
  kind: 'grant';
  /** Failed close attempts so far (the close is retried until the backend confirms). */
  closeAttempts?: number;
  /** Break-glass only: the approver who reviewed it afterwards (until then it is on the unreviewed list). */
  acknowledgedBy?: string;
  acknowledgedAt?: number;
  /** How often the grant was extended; `endAt` is then later than startAt + durationSeconds. */
  extensions?: number;
  /**
   * The `endAt` the requester was last warned about (the warning before the end).
   * Persisted so a restart never warns twice for one end; an extension moves
   * `endAt`, which re-arms the warning for the new end.
   */
  expiryWarnedFor?: number;
  /**
   * Several VMs asked for in one request: each VM is its own request (own grant,
   * timer, audit thread, revoke), and all share the leader's id (the first VM's) here.
   */
  batchId?: string;
  /**
   * The approved extensions already applied to this grant, written in the same
   * compare-and-swap as the new end, so an extension is applied once even when
   * a crash interrupts it and the sweep applies it again.
   */
  appliedExtensions?: string[];
  /**
   * Where to connect, when it is not the VM's own address and port: a
   * firewall's public address and the port its DNAT rule maps to each granted
   * port (the backend says so when it opens). Absent: connect to the VM.
   */
  endpoints?: Endpoint[];
}

/** One granted port as the requester reaches it: `host:hostPort` leads to the VM's `port`. */
export interface Endpoint {
  port: number;
  protocol: Protocol;
  host: string;
  hostPort: number;
}

/**
 * An extension that needed approval. It is an ordinary request (same requester,
 * VM, ports, source) whose `durationSeconds` is the extra time asked; once
 * approved it never opens a grant of its own: the original's end moves and
 * this one closes.
 */
export interface ExtensionRequest extends RequestCore {
  kind: 'extension';
  /** The id of the active grant it extends. */
  extends: string;
  /** Seconds from the original's start to the end an approval gives (what approvers are shown). */
  extensionTotalSeconds: number;
}

/** Every stored request is one of these; code branches on `kind`, never on which optional fields happen to be set. */
export type AccessRequest = GrantRequest | ExtensionRequest;

export interface GrantTarget {
  vmId: string;
  /** Address the firewall matches and the requester connects to. */
  address: string;
  /** Firewall backend name. */
  backend: string;
}

/** Stable audit event names (STYLE.md §9). */
export type AuditEventName =
  | 'request.created'
  | 'request.approval_added'
  | 'request.denial_added'
  | 'request.reminded'
  | 'request.approved'
  | 'request.denied'
  | 'request.cancelled'
  | 'request.timed_out'
  | 'grant.opened'
  | 'grant.open_failed'
  | 'grant.closing'
  | 'grant.closed'
  | 'grant.close_failed'
  | 'grant.extended'
  | 'grant.expiry_warning'
  | 'request.acknowledged'
  /** An approved extension moved its original's end (the original gets `grant.extended`). */
  | 'extension.applied'
  /** An approved extension could not be applied (the original was no longer open, or the firewall refused). */
  | 'extension.failed'
  /** Reconciliation: the backend no longer has (some of) the grant's allow rules before its end. */
  | 'grant.vanished';

/**
 * Audit events of the bot itself, tied to no stored request: reconciliation
 * found an allow rule that no active grant explains (drift) and closed it, or
 * could not; an admin enabled or changed a VM from Slack; a Slack edit no
 * longer validates against the policy file and is not applied. They share the
 * audit log's hash chain with request events.
 */
export type SystemEventName =
  | 'drift.orphan_closed'
  | 'drift.orphan_close_failed'
  | 'policy.vm_enabled'
  | 'policy.vm_changed'
  | 'policy.overlay_not_applied'
  /** The scheduler leader anchored the chain head in the audit channel (detail: the signed checkpoint, JSON). */
  | 'audit.checkpoint'
  /** Someone exported the audit log (`/jit audit`, `jit audit export`): who, which window, how many rows. */
  | 'audit.exported'
  /** An event sink (webhook, syslog) gave up on an event after its attempts: the first of a streak of failures (detail: sink, seq, error). */
  | 'stream.dead_lettered'
  /** A sink that had dead-lettered events delivers again (detail: sink, how many were dead-lettered in the streak). */
  | 'stream.recovered'
  /** An operator moved a sink's cursor back (`jit events replay`): the sink sends the chain again from a seq (detail: sink, from, head). */
  | 'stream.replayed'
  /** A user created a REST API token (detail: its id, name and expiry; never the secret). */
  | 'api.token_created'
  /** A token was revoked by its owner or an admin (detail: its id). */
  | 'api.token_revoked'
  /** A REST API call authenticated by a token (detail: token id, method, path): recorded before the call acts. */
  | 'api.token_used';

export interface SystemEvent {
  name: SystemEventName;
  /** `system`, or the admin's Slack user ID for a policy edit. */
  actor: string;
  at: number;
  detail: string;
}

export interface AuditEvent {
  requestId: string;
  name: AuditEventName;
  /** Slack user ID, or `system` for the scheduler. */
  actor: string;
  at: number;
  detail?: string;
}
