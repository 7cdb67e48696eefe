// The CLI's composition: the same configuration, policy loader, backends,
// store and workflow as the bot (bot.ts), without Slack's app. Messages that CLI
// actions cause go to the outbox like any other; the running bot delivers them.

import { randomBytes } from 'node:crypto';
import { LogLevel, webApi } from '@slack/bolt';
import { checkBackends, StartupError, workflowSettings } from './startup.js';
import type { CliConfig } from '../config/env.js';
import { loadPolicyFile } from '../config/policy-file.js';
import { isJitError } from '../domain/errors.js';
import type { Policy } from '../domain/types.js';
import { createBackends, processLocalBackends } from './backends.js';
import { BackendRegistry } from '../workflow/backends.js';
import { createLogger, type JitLogger } from '../log.js';
import { SlackDirectory } from '../slack/directory.js';
import { StaticDirectory } from '../ports/directory.js';
import { AccessWorkflow } from '../workflow/access-workflow.js';
import { KeyedLock } from '../workflow/context.js';
import { systemClock } from '../ports/clock.js';
import type { Directory } from '../ports/directory.js';
import type { CliCore } from '../cli/core.js';
import { SetupError } from '../cli/io.js';
import { cliConfig, openDatabase } from './cli-store.js';

/** Logs go to stderr and only errors by default, so output stays clean; JIT_LOG_LEVEL set explicitly wins. */
function cliLogger(env: NodeJS.ProcessEnv, config: CliConfig): JitLogger {
  const logger = createLogger({ level: env.JIT_LOG_LEVEL ? (config.JIT_LOG_LEVEL as LogLevel) : LogLevel.ERROR });
  if (config.SLACK_SIGNING_SECRET) logger.addSecret(config.SLACK_SIGNING_SECRET);
  return logger;
}

function readPolicyFile(path: string): Policy {
  const result = loadPolicyFile(path);
  if (result.ok) return result.policy;
  const problems = result.problems.length === 1 ? '1 problem' : `${result.problems.length} problems`;
  throw new SetupError(`JIT_POLICY (${path}) has ${problems}: run \`jit policy check ${path}\` to see each one`);
}

/** Everything the workflow needs, for commands that change requests. */
export function openCore(env: NodeJS.ProcessEnv): CliCore {
  const config = cliConfig(env);
  const logger = cliLogger(env, config);
  const policy = readPolicyFile(config.JIT_POLICY);
  const backends = setup(() => new BackendRegistry(createBackends(config, policy, logger), config.JIT_BACKEND));
  setup(() => checkBackends(policy, backends));
  const store = openDatabase(config);
  const lock = new KeyedLock();
  const workflow = new AccessWorkflow({
    store,
    backends,
    clock: systemClock,
    policy: () => policy,
    directory: directoryFor(config, logger),
    randomBytes: (size) => randomBytes(size),
    logger,
    // Its own memory firewall is empty whatever the bot's holds: not reconciled here.
    settings: { ...workflowSettings(config), unreconciled: processLocalBackends(backends.names()) },
    listener: {},
    lock,
  });
  return {
    store,
    workflow,
    async close() {
      await lock.idle();
      await store.close();
    },
  };
}

/**
 * User groups need Slack: with SLACK_BOT_TOKEN the CLI reads them as the bot
 * does; without it nobody is in any group, so a group-only approver is refused (fail closed).
 */
function directoryFor(config: CliConfig, logger: JitLogger): Directory {
  if (!config.SLACK_BOT_TOKEN) return new StaticDirectory();
  const client = new webApi.WebClient(config.SLACK_BOT_TOKEN, {
    logger,
    retryConfig: { retries: 1 },
    ...(config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {}),
  });
  return new SlackDirectory(client, systemClock, logger);
}

/** A startup problem of the bot's own helpers becomes the CLI's exit 2. */
function setup<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw asSetupError(error);
  }
}

function asSetupError(error: unknown): unknown {
  return error instanceof StartupError || isJitError(error) ? new SetupError(error.message) : error;
}
