// The stable codes of JitError (STYLE.md §5): what a log, a metric or a test
// reads; the sentence a user reads is the error's `reason`.

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
