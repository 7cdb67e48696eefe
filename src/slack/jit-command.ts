// What one `/jit …` line asks for, once parsed (command.ts parses it; the
// listeners act on it). The grammar is a contract: DESIGN.md.

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
  | { kind: 'help' }
  | { kind: 'invalid'; message: string };
