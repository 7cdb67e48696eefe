// The Slack set-up the bot needs, checked before it serves: the token is a bot
// token Slack accepts (auth.test), and the audit and approval channels exist,
// are not archived and have the bot in them (conversations.info). A wrong
// token otherwise shows only as silence: Bolt acks every /jit and answers
// nothing. Each refusal is one line naming the variable and what to do; a Slack
// that cannot be reached is not a refusal: the caller retries.

import { LogLevel, type Logger as BoltLogger, webApi } from '@slack/bolt';
import type { WebAPICallError, WebClient } from '@slack/web-api';
import type { Logger } from '../ports/logger.js';
import { slackFetch } from './http-fetch.js';

/** Who the token speaks as: Bolt's authorisation and the `/invite @name` hint use it. */
export interface SlackIdentity {
  botId: string;
  botUserId: string;
  /** The bot user's name (`jit`), for `/invite @jit`. */
  botName: string;
  team: string;
}

export type PreflightResult =
  | { kind: 'ok'; identity: SlackIdentity }
  /** Slack answered and said no: the operator must change something. */
  | { kind: 'refused'; message: string }
  /** No answer (connection refused, DNS, timeout, HTTP 5xx, rate limit): worth retrying. */
  | { kind: 'unreachable'; message: string };

export interface PreflightChannels {
  JIT_AUDIT_CHANNEL: string;
  JIT_APPROVAL_CHANNEL?: string | undefined;
}

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

const PER_CALL_TIMEOUT_MS = 10_000;

/** A client for the checks alone: no retries of its own and a bounded wait, so one attempt is short; the caller backs off. */
export function preflightClient(token: string, apiUrl: string | undefined, logger: Logger): WebClient {
  return new webApi.WebClient(token, {
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: PER_CALL_TIMEOUT_MS,
    // node:http, as the app's client: the global fetch would compile undici's WebAssembly parser at start (~30 MB of peak memory) for these calls alone.
    fetch: slackFetch,
    // The client's own "http request failed" warnings would repeat what the check says in one line.
    logger: quiet(logger),
  });
}

// Refusals of the token itself (https://docs.slack.dev/reference/methods/auth.test).
const TOKEN_REFUSED = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'not_allowed_token_type']);
// Platform errors that mean "later", not "no".
const TRANSIENT = new Set(['fatal_error', 'internal_error', 'service_unavailable', 'request_timeout', 'ratelimited', 'team_added_to_org']);

export async function checkSlackSetup(client: WebClient, channels: PreflightChannels, apiUrl = DEFAULT_SLACK_API_URL): Promise<PreflightResult> {
  let identity: SlackIdentity;
  try {
    const auth = await client.auth.test();
    if (typeof auth.bot_id !== 'string' || typeof auth.user_id !== 'string') {
      return refused(
        'SLACK_BOT_TOKEN is not a bot token (Slack names no bot for it): copy the Bot User OAuth Token (xoxb-…) from your Slack app’s OAuth & Permissions page',
      );
    }
    identity = { botId: auth.bot_id, botUserId: auth.user_id, botName: String(auth.user ?? 'jit'), team: String(auth.team ?? '') };
  } catch (error) {
    const code = platformError(error);
    if (code !== undefined && TOKEN_REFUSED.has(code)) {
      return refused(
        `SLACK_BOT_TOKEN is not accepted by Slack (${code}): copy the Bot User OAuth Token (xoxb-…) from your Slack app’s OAuth & Permissions page, and reinstall the app if it was revoked`,
      );
    }
    return failed(error, 'auth.test', apiUrl, 'SLACK_BOT_TOKEN');
  }
  // Both channels at once; the audit channel's problem is told first.
  const problems = await Promise.all(
    (['JIT_AUDIT_CHANNEL', 'JIT_APPROVAL_CHANNEL'] as const).map((variable) => {
      const id = channels[variable];
      return id === undefined ? undefined : checkChannel(client, variable, id, identity.botName, apiUrl);
    }),
  );
  return problems.find((problem) => problem !== undefined) ?? { kind: 'ok', identity };
}

async function checkChannel(client: WebClient, variable: string, id: string, botName: string, apiUrl: string): Promise<PreflightResult | undefined> {
  const invite = `\`/invite @${botName}\``;
  const notFound = refused(
    `${variable} ${id} does not exist, or is a private channel the bot is not in: check the ID (channel details → About) and invite the bot there with ${invite}`,
  );
  try {
    const { channel } = await client.conversations.info({ channel: id });
    const name = channel?.name ? `#${channel.name} (${id})` : id;
    if (channel?.is_archived) return refused(`${variable} ${name} is archived: unarchive it, or set ${variable} to another channel’s ID`);
    // A DM has no members list; any other conversation must have the bot in it for it to post there.
    if (channel?.is_member === false && !channel.is_im) return refused(`the bot is not in ${variable} ${name}: invite it with ${invite} in that channel`);
    return undefined;
  } catch (error) {
    const code = platformError(error);
    if (code === 'channel_not_found') return notFound;
    if (code !== 'missing_scope') return failed(error, 'conversations.info', apiUrl, variable);
  }
  // An app installed before the manifest asked for channels:read and groups:read: the history scopes it has tell membership too.
  try {
    await client.conversations.history({ channel: id, limit: 1 });
    return undefined;
  } catch (error) {
    const code = platformError(error);
    if (code === 'channel_not_found') return notFound;
    if (code === 'not_in_channel') return refused(`the bot is not in ${variable} ${id}: invite it with ${invite} in that channel`);
    if (code === 'missing_scope') {
      return refused(
        `${variable} ${id} cannot be checked: the Slack app lacks the channels:read and groups:read scopes; add them (manifest.yml) and reinstall the app`,
      );
    }
    return failed(error, 'conversations.history', apiUrl, variable);
  }
}

function refused(message: string): PreflightResult {
  return { kind: 'refused', message };
}

/** An error that is not a known "no": a platform error Slack gave is definitive unless it means "later"; no answer at all is worth a retry. */
function failed(error: unknown, method: string, apiUrl: string, variable: string): PreflightResult {
  const code = platformError(error);
  if (code !== undefined && !TRANSIENT.has(code))
    return refused(`Slack refused ${method} for ${variable} (${code}): check the Slack app’s scopes and reinstall it`);
  return { kind: 'unreachable', message: `cannot reach Slack at ${apiUrl} (${method}): ${describe(error)}` };
}

function platformError(error: unknown): string | undefined {
  const slack = error as Partial<WebAPICallError> | undefined;
  return slack?.code === webApi.ErrorCode.PlatformError ? String(slack.data?.error) : undefined;
}

function describe(error: unknown): string {
  const slack = error as Partial<WebAPICallError> & { original?: { code?: string; message?: string; cause?: { code?: string; message?: string } } };
  switch (slack.code) {
    case webApi.ErrorCode.HTTPError:
      return `HTTP ${slack.statusCode}`;
    case webApi.ErrorCode.RateLimitedError:
      return `rate limited, retry after ${slack.retryAfter}s`;
    case webApi.ErrorCode.PlatformError:
      return String(slack.data?.error);
    case webApi.ErrorCode.RequestError: {
      const original = slack.original;
      // fetch says only "fetch failed"; its cause says why (ECONNREFUSED, ENOTFOUND, a timeout).
      return original?.code ?? original?.cause?.code ?? original?.cause?.message ?? original?.message ?? 'no answer';
    }
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

function quiet(logger: Logger): BoltLogger {
  return {
    debug: (...parts: unknown[]) => logger.debug(...parts),
    info: (...parts: unknown[]) => logger.debug(...parts),
    warn: (...parts: unknown[]) => logger.debug(...parts),
    error: (...parts: unknown[]) => logger.debug(...parts),
    setLevel: () => undefined,
    getLevel: () => LogLevel.DEBUG,
    setName: () => undefined,
  };
}
