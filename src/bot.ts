// The composition root (DESIGN.md): config → store → backends → workflow →
// Slack app → scheduler. Nothing else constructs adapters. main.ts runs it
// with process.env; the end-to-end tests run it in-process with their own env.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { LogLevel, CustomRoute } from '@slack/bolt';
import { loadConfig, type Config } from './config/env.js';
import { openPolicy, openStore, policyReader, type PolicySourceOptions, StartupError, workflowSettings } from './compose/startup.js';
import { formatDuration, formatUtc } from './domain/duration.js';
import { checkSlackAtStart, listen, watchSlackSetup } from './compose/slack-setup.js';
import type { FirewallBackend } from './ports/firewall.js';
import type { BackendRegistry } from './workflow/backends.js';
import { healthRoute } from './http/health.js';
import { metricsRoute } from './http/metrics.js';
import { JitMetrics } from './metrics/metrics.js';
import { countSlackApiErrors } from './metrics/slack-api.js';
import { logEvent } from './ports/log-event.js';
import { readinessRoute } from './http/readiness.js';
import { MY_IP_PATH, myIpRoute } from './http/my-ip/route.js';
import { LINK_TTL_MS, linkKey, signLink } from './http/my-ip/token.js';
import { createLogger, type JitLogger } from './log.js';
import { OutboxWorker } from './workflow/outbox-worker.js';
import { YieldGate } from './workflow/yield-gate.js';
import { DeliveryProblems } from './workflow/delivery-problems.js';
import { destinationNotice } from './slack/notifier/destination-notice.js';
import { SlackNotifier } from './slack/notifier/slack-notifier.js';
import { ExpiryTimers } from './scheduler/expiry-timers.js';
import { Leadership } from './scheduler/leadership.js';
import { OverdueWatch } from './scheduler/overdue-watch.js';
import { Sweeper } from './scheduler/sweeper.js';
import { AuditCheckpoints } from './scheduler/audit-checkpoints.js';
import { auditKeyOf } from './compose/audit-key.js';
import type { AnchorKey } from './domain/audit-anchor.js';
import { checkpointAuditChain } from './workflow/audit-checkpoint.js';
import { WarningTimers } from './scheduler/warning-timers.js';
import { createSlackApp, registerListeners, type SlackServer } from './slack/app.js';
import { peerAddress } from './slack/ack-front/peer.js';
import { SlackDirectory } from './slack/directory.js';
import { createOnCall } from './oncall/create.js';
import { eventStream, sinkPlans } from './compose/event-stream.js';
import { restApi } from './compose/rest-api.js';
import type { MyIpDraft } from './slack/listeners/deps.js';
import { AccessWorkflow } from './workflow/access-workflow.js';
import { AdminWorkflow } from './workflow/admin.js';
import type { LivePolicy } from './workflow/live-policy.js';
import { systemClock, type Clock } from './ports/clock.js';

export interface BotOptions {
  clock?: Clock;
  logger?: JitLogger;
  /** Backends to use instead of the built-in ones (tests pass a MemoryBackend they can inspect). */
  backends?: FirewallBackend[];
  outboxPollMs?: number;
  /** How an azure:// JIT_POLICY reaches ARM (tests: the fake's credential and TLS trust). */
  policySource?: PolicySourceOptions;
  /** Overrides JIT_POLICY_REFRESH, which cannot go below 10s (tests). */
  policyRefreshMs?: number;
  /** Overrides JIT_AUDIT_CHECKPOINT (tests). */
  auditCheckpointMs?: number;
}

export interface Bot {
  config: Config;
  /** The HTTP port actually bound (PORT=0 picks a free one). */
  port: number;
  workflow: AccessWorkflow;
  backends: BackendRegistry;
  /** This replica's id: JIT_REPLICA_ID, or the host's name (and on PostgreSQL the process id). */
  replicaId: string;
  /** Whether this replica runs the scheduler (sweep, overdue watch) now. */
  leads(): boolean;
  /** Re-reads JIT_POLICY, merges the Slack overlay and re-protects ports; a bad file keeps the old policy. Resolves with whether it loaded. */
  reloadPolicy(): Promise<boolean>;
  /** Runs one sweep now (tests and the startup sweep use it). */
  sweep(): Promise<void>;
  /** Records an audit checkpoint now when this replica leads, the audit log is anchored and the chain grew (tests). */
  checkpointAudit(): Promise<void>;
  /** One event-stream delivery pass over every configured sink now (tests). */
  streamEvents(): Promise<void>;
  /** Delivers due outbox rows now. */
  flushOutbox(timeoutMs?: number): Promise<void>;
  /** Resolves once the work Slack requests caused (held back while requests arrived) has run. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export async function startBot(env: NodeJS.ProcessEnv, options: BotOptions = {}): Promise<Bot> {
  const loaded = loadConfig(env);
  if (!loaded.ok) throw new StartupError(loaded.error);
  const config = loaded.config;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger({ level: config.JIT_LOG_LEVEL as LogLevel, format: config.JIT_LOG_FORMAT });
  logger.addSecret(config.SLACK_SIGNING_SECRET);
  if (config.JIT_PAGERDUTY_TOKEN) logger.addSecret(config.JIT_PAGERDUTY_TOKEN);
  if (config.JIT_OPSGENIE_TOKEN) logger.addSecret(config.JIT_OPSGENIE_TOKEN);
  if (config.JIT_METRICS_TOKEN) logger.addSecret(config.JIT_METRICS_TOKEN);
  // Both keys set, or a key file that is not an Ed25519 PEM, stops the start here.
  const auditKey = openAuditKey(config);
  // A half-configured event sink (a webhook URL without its secret, an unreadable CA) stops the start here, before anything is opened.
  const sinks = sinkPlans(config);
  if (config.JIT_EVENT_WEBHOOK_SECRET) logger.addSecret(config.JIT_EVENT_WEBHOOK_SECRET);

  // A file, or Defender for Cloud's JIT policies (azure://): unreadable or invalid, the start stops here.
  const reader = policyReader(config, { ...options.policySource, warn: (message) => logger.warn(logEvent('policy.extension_unused'), message) });
  const file = await reader.read();
  // Slack must accept the token and have the bot in its channels before anything is opened; an unreachable Slack is retried (not ready meanwhile).
  const slack = watchSlackSetup(config, logger);
  await checkSlackAtStart(slack);
  const database = await openStore(config, clock);
  const { store, lock, engine } = database;
  const replicaId = config.JIT_REPLICA_ID ?? defaultReplicaId(engine);
  // The policy is the file plus the Slack overlay (admins' edits, kept in the store).
  let wake: (() => void) | undefined;
  let opened: Awaited<ReturnType<typeof openPolicy>>;
  try {
    opened = await openPolicy({
      config,
      file,
      store,
      logger,
      clock,
      lock,
      ...(options.backends ? { backends: options.backends } : {}),
      readFile: () => reader.read(),
      notified: () => wake?.(),
    });
    await opened.live.reportOverlay();
  } catch (error) {
    slack.stop();
    await database.close();
    throw error;
  }
  const { live, backends } = opened;
  const policy = () => live.policy();

  // "Use my IP" links (only when JIT_PUBLIC_URL says where browsers reach the bot).
  const myIp = config.JIT_PUBLIC_URL ? myIpLinks(config.JIT_PUBLIC_URL, linkKey(config.SLACK_SIGNING_SECRET), clock) : undefined;
  let leadership: Leadership | undefined;
  const metrics = new JitMetrics({
    // The lean read of the open grants (no request parsed): a scrape costs little with thousands open.
    openGrants: async () => (await store.activeEnds(Number.MAX_SAFE_INTEGER)).length,
    backlog: () => store.outboxStats(clock.now()),
    now: () => clock.now(),
    logger,
  });
  const routes: CustomRoute[] = [
    metricsRoute({ render: () => metrics.render(), token: config.JIT_METRICS_TOKEN, logger }),
    healthRoute(store, backends),
    readinessRoute({
      store,
      backends,
      replicaId,
      clock,
      leads: () => leadership?.isLeader() ?? false,
      slack: () => slack.status(),
      destinations: () => deliveryProblems.problems(),
    }),
  ];
  if (myIp) {
    routes.push(
      myIpRoute({
        store,
        // Bound late: the workflow is built after the app that serves this route.
        workflow: { request: (input) => workflow.request(input) },
        key: myIp.key,
        trustedProxies: config.JIT_TRUSTED_PROXIES,
        peerAddress,
        clock,
        logger,
      }),
    );
  }
  // The REST API (/api/v1, per-user tokens from `/jit token create`); its routes call the workflow bound late, like the link route.
  const api = restApi({
    config,
    database,
    workflow: () => workflow,
    clock,
    logger,
    kick: () => outbox.kick(),
    // Bound late too: the directory is built with the Slack app's client.
    accounts: { accountOf: (user) => directory.accountOf(user) },
  });
  routes.push(...api.routes);
  // Acks first: what requests cause (use cases, replies, outbox posts) waits while requests arrive, 250 ms at most.
  const gate = new YieldGate();
  const app = createSlackApp({ config, logger, routes, identity: () => slack.identity(), inbound: gate });
  countSlackApiErrors(app, (method, error) => metrics.slackApiFailed(method, error));
  // Destinations Slack refuses (the bot not in the audit channel): logged once with the fix, told to the approval channel or the admins.
  const deliveryProblems = new DeliveryProblems({
    logger,
    clock,
    leases: store,
    holder: replicaId,
    tell: destinationNotice({
      client: app.client,
      approvalChannel: config.JIT_APPROVAL_CHANNEL,
      admins: () => [...config.JIT_ADMINS, ...(policy().admins ?? [])],
    }),
  });
  const outbox = new OutboxWorker(
    store,
    new SlackNotifier({
      client: app.client,
      logger,
      auditChannel: config.JIT_AUDIT_CHANNEL,
      policy,
      clock,
      batches: { batchMembers: (batchId) => store.listRequests({ batchId }), messageRefs: (id) => store.messageRefs(id) },
    }),
    clock,
    logger,
    { pollMs: options.outboxPollMs ?? 1000, worker: replicaId, problems: deliveryProblems, gate, chain: store },
  );
  let timers: ExpiryTimers | undefined;
  let warnings: WarningTimers | undefined;
  // One directory for groups and e-mails; the on-call port finds requesters in PagerDuty and Opsgenie by e-mail.
  const directory = new SlackDirectory(app.client, clock, logger);
  const workflow = new AccessWorkflow({
    store,
    backends,
    clock,
    policy,
    directory,
    onCall: createOnCall(config, { emails: directory, clock, logger }),
    randomBytes: (size) => randomBytes(size),
    logger,
    settings: workflowSettings(config),
    listener: {
      activated: (request) => {
        timers?.schedule(request);
        warnings?.schedule(request);
      },
      ended: (request) => {
        timers?.cancel(request.id);
        warnings?.cancel(request.id);
      },
      retryClose: (request, delayMs) => timers?.retry(request.id, delayMs),
      notified: () => outbox.kick(),
      committed: (write) => metrics.committed(write),
    },
    lock,
  });
  timers = new ExpiryTimers((ids) => workflow.expireMany(ids), clock, logger);
  warnings = new WarningTimers((id) => workflow.warnExpiry(id), clock, logger, config.JIT_EXPIRY_WARNING);
  const sweeper = new Sweeper(
    async () => {
      const report = await workflow.sweep();
      metrics.swept(report);
      return report;
    },
    config.JIT_SWEEP_SCHEDULE,
    logger,
  );
  const watch = new OverdueWatch(() => workflow.watchOverdue(), logger);
  // A timer for every grant still open: the leader's, on taking over (a restarted
  // single bot takes over at once). The other replicas time only what they open.
  const armTimers = async () => {
    for (const request of await workflow.activeEnds()) {
      timers?.schedule(request);
      warnings?.schedule(request);
    }
  };
  let catchUp: Promise<void> | undefined;
  // Only the replica holding the scheduler lease sweeps and watches; it catches up at once when it takes over.
  leadership = new Leadership(store, {
    holder: replicaId,
    clock,
    logger,
    onLead: () => {
      catchUp = (async () => {
        await sweeper.runOnce();
        await armTimers();
      })().catch((error: unknown) => logger.error('catching up on taking the scheduler over:', error));
      sweeper.start();
      watch.start();
    },
    onFollow: () => {
      void sweeper.stop();
      void watch.stop();
    },
  });
  // Signed checkpoints of the chain head in the audit channel, from the leader only, through the outbox.
  const checkpoints = new AuditCheckpoints({
    intervalMs: options.auditCheckpointMs ?? config.JIT_AUDIT_CHECKPOINT,
    leads: () => auditKey !== undefined && (leadership?.isLeader() ?? false),
    checkpoint: async () => {
      if (auditKey && (await checkpointAuditChain(store, auditKey, clock))) outbox.kick();
    },
    logger,
  });
  // Every audit event, in chain order, to the sinks JIT_EVENT_* configure (webhook, syslog).
  const stream = eventStream({
    config,
    database,
    replicaId,
    clock,
    logger,
    kick: () => outbox.kick(),
    plans: sinks,
    observer: { lag: (sink, events) => metrics.streamLag(sink, events), deadLettered: (sink) => metrics.streamDeadLettered(sink) },
  });
  wake = () => outbox.kick();
  const admin = new AdminWorkflow(workflow.ctx, live);
  registerListeners(app, { workflow, admin, policy, clock, logger, gate, ...(myIp ? { myIpUrl: myIp.url } : {}), ...api.listeners });

  // Startup: close what expired while we were down, resume what a crash left
  // approved, and re-arm a timer for every grant still open.
  let server: SlackServer;
  try {
    await live.protect();
    // The leader sweeps and arms its timers before serving (it closes what expired while it was down); the others leave that to it.
    await leadership.start();
    await catchUp;
    outbox.start();
    if (auditKey) checkpoints.start();
    stream.start();
    server = await listen(app, config, logger, () => metrics.slackListenerRestarted());
  } catch (error) {
    // Leave nothing running behind a failed start (a Socket Mode connection refused, a port in use).
    slack.stop();
    await app.stop().catch(() => undefined);
    await leadership.stop();
    await sweeper.stop();
    await checkpoints.stop();
    await stream.stop();
    await watch.stop();
    timers.stop();
    warnings.stop();
    await gate.open();
    await outbox.stop();
    await database.close();
    throw error;
  }
  logger.info(
    logEvent('started', { replica: replicaId }),
    `jit bot started: ${config.SLACK_APP_TOKEN ? 'Socket Mode' : `HTTP mode on port ${server.port}`}, ${policy().vms.length} VMs${overlayNote(live)}, backends ${backends.names().join(', ')}, ${engine} database, replica ${replicaId}${leadership.isLeader() ? ' (runs the scheduler)' : ''}`,
  );

  // Said once, after the start succeeded (a failed start says only why it failed).
  if (!auditKey) {
    logger.warn(
      logEvent('audit.not_anchored'),
      'the audit log is not anchored outside the database (deleted newest rows or a rewritten chain would go unnoticed): set JIT_AUDIT_KEY or JIT_AUDIT_SIGNING_KEY to post signed checkpoints to the audit channel',
    );
  }

  // Defender for Cloud's policies change without a SIGHUP: read again every JIT_POLICY_REFRESH.
  // A failed read keeps the last good policy, said once per streak of failures and once when reads succeed again.
  let failingSince: number | undefined;
  const readsAgain = () => {
    if (failingSince === undefined) return;
    logger.info(
      logEvent('policy.read_recovered'),
      `policy read from ${config.JIT_POLICY} succeeds again (it had failed since ${formatUtc(failingSince)}); ${policy().vms.length} VMs`,
    );
    failingSince = undefined;
  };
  const refreshMs = options.policyRefreshMs ?? config.JIT_POLICY_REFRESH;
  let refreshing: Promise<void> | undefined;
  const refresh = () =>
    (refreshing ??= (async () => {
      try {
        const next = await live.refresh();
        readsAgain();
        if (next)
          logger.info(
            logEvent('policy.reloaded'),
            `policy reloaded from ${config.JIT_POLICY} (it changed): ${next.policy.vms.length} VMs, ${next.policy.rules.length} rules${overlayNote(live)}`,
          );
      } catch (error) {
        if (failingSince === undefined)
          logger.error(
            logEvent('policy.refresh_failed'),
            `scheduled policy read failed, keeping the last good policy: ${error instanceof Error ? error.message : String(error)} (read again every ${formatDuration(refreshMs / 1000)}; said again once it succeeds)`,
          );
        failingSince ??= clock.now();
      }
    })().finally(() => (refreshing = undefined)));
  const refreshTimer = reader.azure ? setInterval(() => void refresh(), refreshMs) : undefined;
  refreshTimer?.unref();

  let stopping: Promise<void> | undefined;
  return {
    config,
    port: server.port,
    workflow,
    backends,
    replicaId,
    leads: () => leadership.isLeader(),
    async reloadPolicy() {
      try {
        const next = await live.reload();
        readsAgain();
        logger.info(
          logEvent('policy.reloaded'),
          `policy reloaded from ${config.JIT_POLICY}: ${next.policy.vms.length} VMs, ${next.policy.rules.length} rules${overlayNote(live)}`,
        );
        return true;
      } catch (error) {
        if (reader.azure) failingSince ??= clock.now();
        logger.error(
          logEvent('policy.reload_failed'),
          `policy reload failed, keeping the previous policy: ${error instanceof Error ? error.message : String(error)}`,
        );
        return false;
      }
    },
    sweep: () => sweeper.runOnce(),
    checkpointAudit: () => checkpoints.tick(),
    streamEvents: () => stream.tick(),
    flushOutbox: (timeoutMs = 5000) => outbox.flush(timeoutMs),
    async settled() {
      await server.idle();
      await gate.settled();
    },
    stop() {
      stopping ??= (async () => {
        // Stop taking work, let in-flight use cases finish, deliver what is due, close.
        slack.stop();
        clearInterval(refreshTimer);
        await refreshing;
        // The front stops listening, answers what is in flight and runs the commands it acked; then Bolt stops.
        await server.close().catch((error: unknown) => logger.warn('stopping the Slack app:', error));
        // Nothing held back is lost: the commands and replies waiting for acks run now, and the outbox no longer waits.
        await gate.open();
        // Give the scheduler lease up first, so another replica takes over at once.
        await leadership.stop();
        await sweeper.stop();
        await checkpoints.stop();
        await stream.stop();
        await watch.stop();
        timers?.stop();
        warnings?.stop();
        await workflow.idle();
        await outbox.stop();
        await outbox.flush(5000);
        await database.close();
        logger.info(logEvent('stopped'), 'jit bot stopped');
      })();
      return stopping;
    },
  };
}

/**
 * One SQLite file has one bot: the host's name, stable across restarts, so a
 * restarted bot takes its lease and its outbox claims back at once. Replicas
 * on PostgreSQL may share a host: the process id tells them apart.
 */
function defaultReplicaId(engine: 'sqlite' | 'postgres'): string {
  return engine === 'sqlite' ? hostname() : `${hostname()}-${process.pid}`;
}

function myIpLinks(publicUrl: string, key: Buffer, clock: Clock) {
  return {
    key,
    url: (user: string, draft?: MyIpDraft): string => {
      const token = signLink({ nonce: randomBytes(16).toString('base64url'), user, expiresAt: clock.now() + LINK_TTL_MS, ...(draft ? { draft } : {}) }, key);
      return `${publicUrl}${MY_IP_PATH}/${token}`;
    },
  };
}

/** The checkpoint signing key (compose/audit-key.ts); both variables set, or an unreadable key, stops the start. */
function openAuditKey(config: Config): AnchorKey | undefined {
  try {
    return auditKeyOf(config);
  } catch (error) {
    throw new StartupError(error instanceof Error ? error.message : String(error));
  }
}

function overlayNote(live: LivePolicy): string {
  const { applied, rejected } = live.composed();
  if (applied.length === 0 && rejected.length === 0) return '';
  return ` (${applied.length} from the Slack overlay${rejected.length > 0 ? `, ${rejected.length} not applied` : ''})`;
}
