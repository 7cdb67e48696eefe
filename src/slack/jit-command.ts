// What one `/jit …` line asks for, once parsed (command.ts parses it; the
// listeners act on it). The grammar is a contract: DESIGN.md.

/** Every verb `/jit` knows, in the order `/jit help` lists them (and manifest.yml's usage hint). */
export const JIT_VERBS = ['request', 'list', 'vms', 'cancel', 'revoke', 'extend', 'explain', 'breakglass', 'audit', 'enable', 'edit', 'token', 'help'] as const;

export type JitVerb = (typeof JIT_VERBS)[number];

export type JitCommand =
  | { kind: 'request_modal' }
  | { kind: 'request'; vm: string; ports: string; source: string; duration: string; justification: string }
  | { kind: 'list' }
  | { kind: 'cancel'; id: string }
  | { kind: 'revoke'; id: string }
  /** `duration` is how much longer, as typed; absent: the grant's original length (capped). */
  | { kind: 'extend'; id: string; duration?: string }
  | { kind: 'explain'; vm: string; ports: string; source: string; duration: string }
  | { kind: 'breakglass' }
  /** The VM inventory as text; `filter` is a name glob (`web-*`). */
  | { kind: 'vms'; filter?: string }
  /** Upload the activity log as CSV to the caller's DM: the last `days` days, of one VM when given. */
  | { kind: 'audit'; vm?: string; days: number }
  /** Admins: put a VM under JIT with Azure's defaults; `address` for a VM no backend lists. */
  | { kind: 'enable'; vm: string; os?: 'linux' | 'windows'; address?: string }
  /** Admins: the edit modal for a configured VM's ports. */
  | { kind: 'edit'; vm: string }
  /** A REST API token for the caller: `name` may be empty; `lifetimeSeconds` absent: the default lifetime. */
  | { kind: 'token_create'; name: string; lifetimeSeconds?: number }
  /** The caller's live API tokens. */
  | { kind: 'token_list' }
  /** `id` as typed (the use case reads it). */
  | { kind: 'token_revoke'; id: string }
  /** `topic`: `/jit help <command>`, that command's grammar and examples; absent: the short list. */
  | { kind: 'help'; topic?: JitVerb }
  | { kind: 'invalid'; message: string };
