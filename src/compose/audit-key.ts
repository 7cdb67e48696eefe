// The key that signs (bot) or checks (`jit audit verify --against-slack`) the
// audit checkpoints: HMAC-SHA256 with JIT_AUDIT_KEY, or Ed25519 with the PEM
// file JIT_AUDIT_SIGNING_KEY names (the bot needs the private key; a verifier
// may be given the private key or only its public half). Neither: the audit
// log is not anchored. Both: refused, as which one signs would be a guess.

import { readFileSync } from 'node:fs';
import { type AnchorKey, ed25519Key, hmacKey } from '../domain/audit-anchor.js';

export interface AuditKeySettings {
  JIT_AUDIT_KEY?: string | undefined;
  JIT_AUDIT_SIGNING_KEY?: string | undefined;
}

/** Throws a sentence saying what to fix; the caller wraps it in its own error (StartupError, SetupError). */
export function auditKeyOf(settings: AuditKeySettings): AnchorKey | undefined {
  const secret = settings.JIT_AUDIT_KEY?.trim() || undefined;
  const path = settings.JIT_AUDIT_SIGNING_KEY?.trim() || undefined;
  if (secret !== undefined && path !== undefined) {
    throw new Error(
      'JIT_AUDIT_KEY and JIT_AUDIT_SIGNING_KEY are both set: set one (HMAC-SHA256 with JIT_AUDIT_KEY, or Ed25519 with the PEM file JIT_AUDIT_SIGNING_KEY)',
    );
  }
  if (secret !== undefined) return hmacKey(secret);
  if (path === undefined) return undefined;
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`JIT_AUDIT_SIGNING_KEY ${path} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return ed25519Key(pem);
  } catch (error) {
    throw new Error(`JIT_AUDIT_SIGNING_KEY ${path} ${error instanceof Error ? error.message : String(error)}`);
  }
}
