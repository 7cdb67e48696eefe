// The CLI's composition: the same configuration, policy loader, backends,
// store, request lock and workflow as the bot (bot.ts), without Slack's app.
// Messages that CLI actions cause go to the outbox like any other; the running
// bot delivers them. On PostgreSQL the CLI holds the same cross-process request
// lock as the bot's replicas, so its approve or revoke never races theirs.

import { randomBytes } from 'node:crypto';
import { LogLevel, webApi } from '@slack/bolt';
import { openPolicy, policyReader, type PolicySourceOptions, StartupError, workflowSettings } from './startup.js';
import type { CliConfig } from '../config/env.js';
import { isJitError } from '../domain/errors.js';
import { processLocalBackends } from './backends.js';
import type { PolicyFile } from '../workflow/live-policy.js';
import { createLogger, type JitLogger } from '../log.js';
import { SlackDirectory } from '../slack/directory.js';
import { createOnCall } from '../oncall/create.js';
import { noEmails } from '../oncall/service.js';
import { UnreadableDirectory } from '../ports/unreadable-directory.js';
import { AccessWorkflow } from '../workflow/access-workflow.js';
import { systemClock } from '../ports/clock.js';
import type { Directory } from '../ports/directory.js';
import type { CliCore } from '../cli/core.js';
import { SetupError } from '../cli/io.js';
import { cliConfig, closeLock, openDatabase } from './cli-store.js';
import { requestWithoutGroups } from './cli-groups.js';

/** Logs go to stderr and only errors by default, so output stays clean; JIT_LOG_LEVEL set explicitly wins. */
function cliLogger(env: NodeJS.ProcessEnv, config: CliConfig): JitLogger {
  const logger = createLogger({ level: env.JIT_LOG_LEVEL ? (config.JIT_LOG_LEVEL as LogLevel) : LogLevel.ERROR });
  if (config.SLACK_SIGNING_SECRET) logger.addSecret(config.SLACK_SIGNING_SECRET);
  if (config.JIT_PAGERDUTY_TOKEN) logger.addSecret(config.JIT_PAGERDUTY_TOKEN);
  if (config.JIT_OPSGENIE_TOKEN) logger.addSecret(config.JIT_OPSGENIE_TOKEN);
  return logger;
}

/** JIT_POLICY as the bot reads it (a file, or Defender for Cloud with JIT_POLICY_EXTENSIONS); a problem is exit 2. */
async function readPolicyFile(config: CliConfig, options: PolicySourceOptions): Promise<PolicyFile> {
  let result: Awaited<ReturnType<ReturnType<typeof policyReader>['readSource']>>;
  try {
    result = await policyReader(config, options).readSource();
  } catch (error) {
    throw asSetupError(error);
  }
  if (result.ok) return result;
  const path = config.JIT_POLICY;
  const problems = result.problems.length === 1 ? '1 problem' : `${result.problems.length} problems`;
  throw new SetupError(`JIT_POLICY (${path}) has ${problems}: run \`jit policy check ${path}\` to see each one`);
}

/**
 * Everything the workflow needs, for commands that change requests: the
 * policy as the bot runs it (the file with the Slack overlay from the
 * database), its backends, the database and the workflow.
 */
export async function openCore(env: NodeJS.ProcessEnv, policySource: PolicySourceOptions = {}): Promise<CliCore> {
  const config = cliConfig(env);
  const logger = cliLogger(env, config);
  const file = await readPolicyFile(config, policySource);
  const { store, lock } = await openDatabase(config);
  let opened: Awaited<ReturnType<typeof openPolicy>>;
  try {
    opened = await openPolicy({ config, file, store, logger, clock: systemClock, lock, readFile: () => readPolicyFile(config, policySource) });
  } catch (error) {
    await store.close();
    await closeLock(lock);
    throw asSetupError(error);
  }
  const { live, backends } = opened;
  const directory = directoryFor(config, logger);
  const workflow = new AccessWorkflow({
    store,
    backends,
    clock: systemClock,
    policy: () => live.policy(),
    directory,
    onCall: createOnCall(config, { emails: directory instanceof SlackDirectory ? directory : noEmails(EMAILS_WAY_OUT), clock: systemClock, logger }),
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
    request: directory instanceof UnreadableDirectory ? requestWithoutGroups(workflow, directory) : (input) => workflow.request(input),
    async close() {
      await lock.idle();
      await store.close();
      await closeLock(lock);
    },
  };
}

/**
 * User groups need Slack: with SLACK_BOT_TOKEN the CLI reads them as the bot
 * does; without it a decision that needs a group is refused (exit 2, nothing
 * stored) rather than decided as if nobody were in any group.
 */
function directoryFor(config: CliConfig, logger: JitLogger): Directory {
  if (!config.SLACK_BOT_TOKEN) return new UnreadableDirectory();
  const client = new webApi.WebClient(config.SLACK_BOT_TOKEN, {
    logger,
    retryConfig: { retries: 1 },
    ...(config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {}),
  });
  return new SlackDirectory(client, systemClock, logger);
}

/**
 * On-call services know people by e-mail, which the CLI reads only through
 * Slack: without SLACK_BOT_TOKEN an on-call condition does not hold (fail
 * closed), and `jit explain` says this.
 */
const EMAILS_WAY_OUT = 'the CLI looks up e-mail addresses only through Slack (SLACK_BOT_TOKEN is not set), so it cannot tell whether the requester is on call';

/** A startup problem of the bot's own helpers becomes the CLI's exit 2. */
function asSetupError(error: unknown): unknown {
  return error instanceof StartupError || isJitError(error) ? new SetupError(error.message) : error;
}
