// One error type with stable codes (STYLE.md §5): a user sees `message`, a log sees `code`.

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

export class JitError extends Error {
  override readonly name = 'JitError';
  constructor(
    readonly code: JitErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isJitError(error: unknown, code?: JitErrorCode): error is JitError {
  return error instanceof JitError && (code === undefined || error.code === code);
}
