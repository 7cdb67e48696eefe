// What `jit audit verify --against-slack` reads: the audit channel's anchors
// through the Slack Web API (SLACK_BOT_TOKEN, SLACK_API_URL, JIT_AUDIT_CHANNEL),
// the database's chain (JIT_DB), and the key that checks the checkpoints'
// signatures (JIT_AUDIT_KEY or JIT_AUDIT_SIGNING_KEY). Anything that cannot be
// read is a SetupError: the CLI's exit 2, "could not check".

import { LogLevel, webApi } from '@slack/bolt';
import type { AuditAnchorOpeners } from '../cli/audit.js';
import { SetupError } from '../cli/io.js';
import type { AnchorKey } from '../domain/audit-anchor.js';
import type { Anchor, DatabaseChain } from '../domain/audit-anchor-verdict.js';
import { createLogger } from '../log.js';
import { readAuditAnchors } from '../slack/notifier/audit-history.js';
import { slackError } from '../slack/notifier/once-poster.js';
import { auditKeyOf } from './audit-key.js';
import { cliConfig, openDatabase } from './cli-store.js';

export const AUDIT_ANCHOR_OPENERS: AuditAnchorOpeners = {
  key: verifierKey,
  slack: slackAnchors,
  database: databaseChain,
};

async function verifierKey(env: NodeJS.ProcessEnv): Promise<AnchorKey | undefined> {
  try {
    return auditKeyOf(cliConfig(env));
  } catch (error) {
    throw error instanceof SetupError ? error : new SetupError(error instanceof Error ? error.message : String(error));
  }
}

async function slackAnchors(env: NodeJS.ProcessEnv): Promise<Anchor[]> {
  const config = cliConfig(env);
  if (!config.SLACK_BOT_TOKEN) throw new SetupError('SLACK_BOT_TOKEN is not set: --against-slack reads the audit channel with the bot token');
  if (!config.JIT_AUDIT_CHANNEL) throw new SetupError('JIT_AUDIT_CHANNEL is not set: --against-slack reads that channel (its ID, e.g. C0123456789)');
  const client = new webApi.WebClient(config.SLACK_BOT_TOKEN, {
    logger: createLogger({ level: LogLevel.ERROR }),
    retryConfig: { retries: 2 },
    ...(config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {}),
  });
  try {
    return await readAuditAnchors(client, config.JIT_AUDIT_CHANNEL);
  } catch (error) {
    const code = slackError(error);
    const why = code ?? (error instanceof Error ? error.message : String(error));
    const fix =
      code === 'missing_scope'
        ? ': give the app the channels:history (or groups:history) scope and reinstall it'
        : code === 'not_in_channel' || code === 'channel_not_found'
          ? ': invite the bot to the audit channel'
          : code === undefined
            ? ': check that Slack (SLACK_API_URL) is reachable'
            : '';
    throw new SetupError(`cannot read the audit channel ${config.JIT_AUDIT_CHANNEL} (${why})${fix}`);
  }
}

async function databaseChain(env: NodeJS.ProcessEnv): Promise<DatabaseChain> {
  const { store, close } = await openDatabase(cliConfig(env));
  try {
    const links = await store.auditLinks();
    const verdict = await store.verifyAuditChain();
    return { hashes: new Map(links.map((link) => [link.seq, link.hash])), newest: links.at(-1)?.seq ?? 0, verdict };
  } finally {
    await close();
  }
}
