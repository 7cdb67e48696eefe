// Builds the Bolt app: HTTP mode on PORT (Slack posts to /slack/events) or
// Socket Mode when SLACK_APP_TOKEN is set; /healthz is served in both. In HTTP
// mode the receiver is built here (receiver.ts) so a payload Bolt cannot read
// is refused with a 400 instead of Bolt's 500, and `serveSlackApp` puts the ack
// front (ack-front/) on PORT, in front of it.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type CustomRoute, type Logger, webApi } from '@slack/bolt';
import { registerAdmin } from './listeners/admin.js';
import { registerApprovalButtons } from './listeners/approval.js';
import { registerCommand } from './listeners/command.js';
import { registerGrantButtons } from './listeners/grant-buttons.js';
import type { ListenerDeps } from './listeners/deps.js';
import { registerHome } from './listeners/home.js';
import { registerModal } from './listeners/modal.js';
import { ListenerRouter } from './listeners/router.js';
import { createHttpReceiver } from './receiver.js';
import { AckFront } from './ack-front/ack-front.js';
import { JIT_COMMAND } from './listeners/command.js';
import type { Logger as JitLogger } from '../ports/logger.js';
import { slackFetch } from './http-fetch.js';
import type { InboundPressure } from '../workflow/yield-gate.js';

export interface SlackAppOptions {
  /** The Slack settings of the environment (SLACK_*, PORT), as the composition root read them. */
  config: { SLACK_BOT_TOKEN: string; SLACK_SIGNING_SECRET: string; SLACK_APP_TOKEN?: string | undefined; SLACK_API_URL?: string | undefined; PORT: number };
  logger: Logger;
  routes: CustomRoute[];
  /** The bot's identity once the start-up checks have read it (auth.test); undefined until then. */
  identity?: () => { botId: string; botUserId: string } | undefined;
  /** HTTP mode: told when each request begins and is answered (acks first, workflow/yield-gate.ts). */
  inbound?: InboundPressure;
}

export function createSlackApp(options: SlackAppOptions): App {
  const { config, logger, routes } = options;
  const token = config.SLACK_BOT_TOKEN;
  const clientOptions = {
    ...(config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {}),
    // Retries of state-changing messages belong to the outbox; listeners' own calls retry briefly.
    retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2000 },
    // Web API calls and response_url replies over keep-alive node:http, cheaper than the global fetch (http-fetch.ts).
    fetch: slackFetch,
  };
  // Given a token, Bolt calls auth.test once when it is built and keeps the
  // answer for good: a Slack unreachable at that moment would fail every later
  // request. The start-up checks read the identity instead (and retry), and
  // each request is authorised with the token and whatever identity they know.
  const authorize = async () => {
    const known = options.identity?.();
    return { botToken: token, ...(known ? { botId: known.botId, botUserId: known.botUserId } : {}) };
  };
  // No listener keeps conversation state: without Bolt's default in-memory store, no
  // middleware looks each request's conversation up (and builds an Error for every miss).
  const common = { authorize, logger, clientOptions, convoStore: false as const };
  const inbound = options.inbound ? { inbound: options.inbound } : {};
  const app = config.SLACK_APP_TOKEN
    ? new App({ ...common, customRoutes: routes, appToken: config.SLACK_APP_TOKEN, socketMode: true, installerOptions: { port: config.PORT } })
    : new App({ ...common, receiver: createHttpReceiver({ signingSecret: config.SLACK_SIGNING_SECRET, port: config.PORT, routes, logger, ...inbound }) });
  // Without a token option Bolt's own client has none; the notifier and the directory use app.client with the bot's.
  app.client = new webApi.WebClient(token, app.webClientOptions);
  return app;
}

/** The bot's handlers, behind one Bolt listener per kind (listeners/router.ts): Bolt's routing cost stays flat. */
export function registerListeners(app: App, deps: ListenerDeps): void {
  const router = new ListenerRouter();
  registerCommand(router, deps);
  registerApprovalButtons(router, deps);
  registerGrantButtons(router, deps);
  registerModal(router, deps);
  registerHome(router, deps);
  registerAdmin(router, deps);
  router.install(app);
  app.error(async (error) => {
    deps.logger.error('unhandled error in a Slack listener:', error);
  });
}

/** The app being served: the port Slack reaches (HTTP mode), and how to stop. */
export interface SlackServer {
  port: number;
  /** Resolves once every command acked so far has run (HTTP mode; at once in Socket Mode, where Bolt acks). */
  idle(): Promise<void>;
  /** Stops listening, answers what is in flight, runs every command already acked, then stops the app. */
  close(): Promise<void>;
}

/**
 * Serves the app as the bot does. Socket Mode: Bolt's own connection. HTTP
 * mode: Bolt's receiver on a loopback port of its own, and the ack front on
 * PORT (`host`: JIT_LISTEN_HOST), which acks `/jit` commands off this thread
 * and passes everything else to the receiver.
 */
export async function serveSlackApp(
  app: App,
  options: { config: SlackAppOptions['config']; host?: string | undefined; logger: JitLogger; restarting?: () => void },
): Promise<SlackServer> {
  const { config, host, logger, restarting } = options;
  if (config.SLACK_APP_TOKEN) {
    const port = await startSlackApp(app, config.PORT, host);
    return {
      port,
      idle: async () => undefined,
      async close() {
        await app.stop();
      },
    };
  }
  const inner = await startSlackApp(app, 0, INNER_HOST);
  let front: AckFront;
  try {
    front = await AckFront.start({
      port: config.PORT,
      host,
      target: { host: INNER_HOST, port: inner },
      signingSecret: config.SLACK_SIGNING_SECRET,
      commands: [JIT_COMMAND],
      logger,
      ...(restarting ? { restarting } : {}),
      // Already acked: Bolt's ack is a no-op here, and a listener that tries to answer in it is told (commands answer through respond()).
      dispatch: (body) => app.processEvent({ body, ack: ackedByFront(logger, body) }),
    });
  } catch (error) {
    await app.stop().catch(() => undefined);
    throw error;
  }
  return {
    port: front.port,
    idle: () => front.idle(),
    async close() {
      await front.close();
      await app.stop();
    },
  };
}

/** Where Bolt's receiver listens behind the front: loopback only, any free port. */
const INNER_HOST = '127.0.0.1';

function ackedByFront(logger: JitLogger, body: Record<string, unknown>) {
  return async (response?: unknown): Promise<void> => {
    if (response === undefined || response === '') return;
    logger.warn(`a listener answered ${String(body.command)} in its ack after the Slack listener had acked it; the answer was dropped (reply with respond())`);
  };
}

/**
 * Starts the app with Bolt serving the port itself (no front); in HTTP mode
 * resolves with the port actually bound (PORT=0 picks one). `host` limits the
 * listener (tests bind to loopback only).
 */
export async function startSlackApp(app: App, port: number, host?: string): Promise<number> {
  const started = (await (host === undefined ? app.start(port) : app.start({ port, host }))) as Server | undefined;
  const address = started && typeof started.address === 'function' ? (started.address() as AddressInfo | null) : null;
  return address?.port ?? port;
}
