// One error type with stable codes (STYLE.md §5): a user sees `reason`, rendered
// by their surface; a log sees `code` and `message` (the reason as plain text).

import { plainText, type Message } from './message.js';
// A type only: refusals.ts builds JitErrors, so a value import back would be a cycle.
import type { Refusal } from './refusals.js';

export type JitErrorCode =
  | 'jit_config_invalid'
  | 'jit_policy_invalid'
  | 'jit_input_invalid'
  | 'jit_unknown_vm'
  | 'jit_unknown_port'
  | 'jit_source_not_allowed'
  | 'jit_duration_invalid'
  | 'jit_not_found'
  | 'jit_not_approver'
  | 'jit_not_allowed'
  | 'jit_wrong_state'
  | 'jit_backend_failed'
  | 'jit_store_failed'
  | 'jit_rate_limited';

export interface JitErrorOptions {
  cause?: unknown;
  /** The catalogue entry this error tells of (refusals.ts); `refuse(…)` sets it. */
  refusal?: Refusal;
}

export class JitError extends Error {
  override readonly name = 'JitError';
  /** What the user is told, as data: Slack and the CLI each render it. A string message becomes one text part. */
  readonly reason: Message;
  /** Declared, not defined: an error built from a plain string has no `refusal` key at all. */
  declare readonly refusal?: Refusal;

  constructor(
    readonly code: JitErrorCode,
    message: string | Message,
    options?: JitErrorOptions,
  ) {
    const reason: Message = typeof message === 'string' ? [message] : message;
    super(plainText(reason), options !== undefined && 'cause' in options ? { cause: options.cause } : undefined);
    this.reason = reason;
    if (options?.refusal !== undefined) this.refusal = options.refusal;
  }
}

export function isJitError(error: unknown, code?: JitErrorCode): error is JitError {
  return error instanceof JitError && (code === undefined || error.code === code);
}
