// How the REST API says no: a token that did not authenticate (401 with
// `WWW-Authenticate: Bearer`), and the workflow's refusals and failures as
// HTTP statuses, each with the workflow's own sentence.

import { isJitError, type JitErrorCode } from '../../domain/errors.js';
import type { Logger } from '../../ports/logger.js';
import type { AuthFailure } from '../../workflow/api-tokens.js';
import { type Answer, apiError } from './wire.js';

const CREATE_HINT = 'create one in Slack with `/jit token create` and send it as `Authorization: Bearer <token>`';

/** A call whose token did not authenticate: 401, or 503 when Slack could not confirm the owner (try again). */
export function unauthorized(reason: AuthFailure, tokenId?: string): Answer {
  if (reason === 'unconfirmed') {
    return apiError(
      503,
      'unavailable',
      `Slack could not confirm that the owner of API token ${tokenId ?? ''} is still a member of the workspace, so nothing was done: try again in a minute.`,
      { headers: { 'retry-after': '30' } },
    );
  }
  const messages: Record<Exclude<AuthFailure, 'unconfirmed'>, [string, string]> = {
    missing: ['token_missing', `This call needs an API token: ${CREATE_HINT}.`],
    malformed: ['token_invalid', `That is not a jit API token (they look like jit_<id>_<secret>): ${CREATE_HINT}.`],
    invalid: ['token_invalid', `That API token is not valid: copy it again whole, or ${CREATE_HINT}.`],
    expired: ['token_expired', `API token ${tokenId ?? ''} has expired: ${CREATE_HINT}.`],
    revoked: ['token_revoked', `API token ${tokenId ?? ''} was revoked: ${CREATE_HINT}.`],
    deactivated: ['token_revoked', `API token ${tokenId ?? ''} is revoked: its owner is no longer an active member of the Slack workspace.`],
  };
  const [code, message] = messages[reason];
  // RFC 6750: no error attribute when no token was sent at all.
  const challenge = reason === 'missing' ? 'Bearer realm="jit"' : `Bearer realm="jit", error="invalid_token", error_description="${code.replace('_', ' ')}"`;
  return apiError(401, code, message, { headers: { 'www-authenticate': challenge } });
}

/** The use could not be recorded in the audit log: the call is refused, nothing done. */
export function notRecorded(): Answer {
  return apiError(503, 'unavailable', 'The bot could not record this call in its audit log, so it did nothing: try again in a minute.', {
    headers: { 'retry-after': '30' },
  });
}

const STATUS: Partial<Record<JitErrorCode, [number, string]>> = {
  jit_not_found: [404, 'not_found'],
  jit_not_allowed: [403, 'forbidden'],
  jit_not_approver: [403, 'forbidden'],
  jit_wrong_state: [409, 'conflict'],
  jit_input_invalid: [422, 'invalid_request'],
  jit_unknown_vm: [422, 'invalid_request'],
  jit_unknown_port: [422, 'invalid_request'],
  jit_source_not_allowed: [422, 'invalid_request'],
  jit_duration_invalid: [422, 'invalid_request'],
  jit_policy_invalid: [422, 'invalid_request'],
  jit_backend_failed: [502, 'backend_failed'],
};

/** A thrown error as an answer; anything not a JitError is logged and told as a 500 that changed nothing. */
export function errorAnswer(error: unknown, logger: Logger, context: string): Answer {
  if (isJitError(error, 'jit_rate_limited')) {
    const retry = error.refusal?.code === 'rate_limited' ? error.refusal.params.retryAfterSeconds : 60;
    return apiError(429, 'rate_limited', error.message, { headers: { 'retry-after': String(retry) } });
  }
  if (isJitError(error, 'jit_store_failed')) {
    logger.error(`${context}: the database failed:`, error);
    return apiError(503, 'unavailable', 'The bot cannot reach its database right now, so nothing was changed: try again in a minute.', {
      headers: { 'retry-after': '30' },
    });
  }
  if (isJitError(error)) {
    logger.info(`${context}: refused [${error.code}] ${error.message}`);
    const [status, code] = STATUS[error.code] ?? [409, 'conflict'];
    return apiError(status, code, error.message);
  }
  logger.error(`${context}: failed:`, error);
  return apiError(500, 'internal', 'Something went wrong on our side: try again in a minute; if it keeps failing, tell the bot’s admins.');
}
