// The Slack side of the start, as the composition root needs it: the set-up
// checks (a refusal stops the start with one line) and the listening socket (a
// port in use is one line, not a stack trace).

import type { App } from '@slack/bolt';
import type { Config } from '../config/env.js';
import type { Logger } from '../ports/logger.js';
import { serveSlackApp, type SlackServer } from '../slack/app.js';
import { checkSlackSetup, DEFAULT_SLACK_API_URL, preflightClient } from '../slack/preflight.js';
import { SlackSetupWatch } from '../slack/setup-watch.js';
import { StartupError } from './startup.js';

type SlackConfig = Pick<Config, 'SLACK_BOT_TOKEN' | 'SLACK_API_URL' | 'JIT_AUDIT_CHANNEL' | 'JIT_APPROVAL_CHANNEL'>;

export function watchSlackSetup(config: SlackConfig, logger: Logger): SlackSetupWatch {
  const client = preflightClient(config.SLACK_BOT_TOKEN, config.SLACK_API_URL, logger);
  const channels = { JIT_AUDIT_CHANNEL: config.JIT_AUDIT_CHANNEL, JIT_APPROVAL_CHANNEL: config.JIT_APPROVAL_CHANNEL };
  return new SlackSetupWatch(() => checkSlackSetup(client, channels, config.SLACK_API_URL ?? DEFAULT_SLACK_API_URL), logger);
}

/** The first check: a refusal (wrong token, bot not in the audit channel, …) stops the start; an unreachable Slack does not. */
export async function checkSlackAtStart(watch: SlackSetupWatch): Promise<void> {
  const result = await watch.start();
  if (result.kind === 'refused') throw new StartupError(result.message);
}

type ServeConfig = Pick<Config, 'PORT' | 'JIT_LISTEN_HOST' | 'SLACK_BOT_TOKEN' | 'SLACK_SIGNING_SECRET' | 'SLACK_APP_TOKEN' | 'SLACK_API_URL'>;

/** Starts serving; a port that cannot be had becomes one line that says what to do. */
export async function listen(app: App, config: ServeConfig, logger: Logger, restarting?: () => void): Promise<SlackServer> {
  try {
    return await serveSlackApp(app, { config, host: config.JIT_LISTEN_HOST, logger, ...(restarting ? { restarting } : {}) });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE') {
      throw new StartupError(
        `PORT ${config.PORT} is already in use${config.JIT_LISTEN_HOST ? ` on ${config.JIT_LISTEN_HOST}` : ''}: stop what listens there (another jit bot?) or set PORT to a free port`,
      );
    }
    if (code === 'EACCES')
      throw new StartupError(`PORT ${config.PORT} needs privileges this process lacks: use a port above 1023 (a reverse proxy can listen on 443)`);
    if (code === 'EADDRNOTAVAIL')
      throw new StartupError(
        `JIT_LISTEN_HOST ${config.JIT_LISTEN_HOST} is not an address of this host: use one of its addresses, or leave it empty for all interfaces`,
      );
    throw error;
  }
}
