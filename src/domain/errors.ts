// One error type with stable codes (STYLE.md §5): a user sees `reason`, rendered
// by their surface; a log sees `code` and `message` (the reason as plain text).

import type { JitErrorCode } from './error-codes.js';
import { plainText, type Message } from './message.js';
import { type ParamsOf, type Refusal, type RefusalCode, refusal, refusalError, refusalMessage } from './refusals.js';

export type { JitErrorCode };

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

/** The error to throw for a refusal: its category, its sentence, and the refusal itself. */
export function refuse<K extends RefusalCode>(code: K, params: ParamsOf<K>): JitError {
  return refusalToError(refusal(code, params));
}

export function refusalToError(r: Refusal): JitError {
  return new JitError(refusalError(r), refusalMessage(r), { refusal: r });
}
