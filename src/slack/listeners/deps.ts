// What the listeners need. Listeners only translate: payload → use case → reply.

import type { Logger } from '../../ports/logger.js';
import { isJitError } from '../../domain/errors.js';
import type { Policy } from '../../domain/types.js';
import type { AccessWorkflow } from '../../workflow/access-workflow.js';
import type { AdminWorkflow } from '../../workflow/admin.js';
import type { ApiTokens } from '../../workflow/api-tokens.js';
import type { Clock } from '../../ports/clock.js';
import type { Message } from '../../domain/message.js';
import type { Yielding } from '../../workflow/yield-gate.js';
import { escapeMrkdwn } from '../blocks/escape.js';
import { mrkdwn } from '../render.js';

export interface ListenerDeps {
  workflow: AccessWorkflow;
  policy: () => Policy;
  clock: Clock;
  logger: Logger;
  /**
   * Mints a "Use my IP" link for the user (with a draft: opening it creates that
   * request). Undefined when JIT_PUBLIC_URL is not set.
   */
  myIpUrl?: (user: string, draft?: MyIpDraft) => string;
  /** Enabling and editing VMs from Slack (admins); unset: those commands say they are not set up. */
  admin?: AdminWorkflow;
  /** REST API tokens (`/jit token …`, the Home's token list); unset: those commands say the API is not set up. */
  apiTokens?: ApiTokenDeps;
  /** Acks first: the work a request causes and its response_url reply wait while other requests arrive (bounded). Unset: nothing waits. */
  gate?: Yielding;
}

/**
 * Runs `work` through the gate, by `deadline` at the latest (default: the
 * gate's bound from now); at once without a gate.
 */
export function afterAcks<T>(deps: Pick<ListenerDeps, 'gate'>, work: () => Promise<T>, deadline?: number): Promise<T> {
  return deps.gate ? deps.gate.run(work, deadline) : work();
}

export interface ApiTokenDeps {
  tokens: Pick<ApiTokens, 'create' | 'list' | 'revoke'>;
  /** JIT_PUBLIC_URL: where scripts reach the API (shown in the token's instructions). */
  publicUrl?: string;
}

export interface MyIpDraft {
  vm: string;
  ports: string;
  duration: string;
  justification: string;
}

/** What to tell the user about a failure: a JitError's reason, or a generic sentence (the details go to the log). */
export function userError(error: unknown, logger: Logger, context: string): Message {
  // The database's own words (a host, a port, a driver's message) help the admin, not the user.
  if (isJitError(error, 'jit_store_failed')) {
    logger.error(`${context}: the database failed:`, error);
    return ['The bot cannot reach its database right now, so nothing was changed. Try again in a minute; if it keeps failing, tell the bot’s admins.'];
  }
  if (isJitError(error)) {
    logger.info(`${context}: refused [${error.code}] ${error.message}`);
    return error.reason;
  }
  logger.error(`${context}: failed:`, error);
  return ['Something went wrong on our side and nothing was changed. Try again in a minute; if it keeps failing, tell the bot’s admins.'];
}

/** userError() as mrkdwn, for a reply or a DM. */
export function userMessage(error: unknown, logger: Logger, context: string): string {
  return mrkdwn(userError(error, logger, context));
}

export { escapeMrkdwn };
