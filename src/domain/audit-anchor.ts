// Anchoring the audit chain outside the database. A chain kept in one database
// cannot show that its newest rows were deleted, or that every row was
// re-hashed; the audit channel keeps a second record: every audit post carries
// the (seq, hash) of its own row, and a signed checkpoint now and then carries
// the head with an HMAC-SHA256 or Ed25519 signature. Here: the signing key, the
// checkpoint's canonical text, and the comparison of what Slack holds with the
// database (compareAnchors), as data.

import { createHash, createHmac, createPrivateKey, createPublicKey, type KeyObject, sign, timingSafeEqual, verify } from 'node:crypto';

/** One row of the chain as anchored: its position and hash. */
export interface ChainLink {
  seq: number;
  hash: string;
}

/** The newest row of the chain: the checkpoint job anchors it unless it is a checkpoint itself. */
export interface ChainHead extends ChainLink {
  name: string;
}

/** An audit event as a notification carries it: a request's (requestId) or the bot's own (none). */
export interface LinkedEvent {
  requestId?: string | null;
  name: string;
  actor: string;
  at: number;
  detail?: string;
}

/** What the stores read of the chain for anchoring (implemented by the SQLite and PostgreSQL stores). */
export interface ChainReader {
  /** The (seq, hash) of the newest row holding this event; undefined when none does. */
  auditLinkOf(event: LinkedEvent): Promise<ChainLink | undefined>;
  /** The newest row; undefined when the log is empty. */
  auditHead(): Promise<ChainHead | undefined>;
  /** Every row's (seq, hash), oldest first. */
  auditLinks(): Promise<ChainLink[]>;
}

export type AnchorAlg = 'hmac-sha256' | 'ed25519';

/** What a checkpoint post's metadata carries: the head it anchors and the signature over it. */
export interface Checkpoint extends ChainLink {
  alg: AnchorAlg;
  sig: string;
  keyId?: string;
}

export interface AnchorKey {
  alg: AnchorAlg;
  /** A short, public fingerprint of the key: which key signed a checkpoint. */
  keyId: string;
  /** Undefined when only the public half is at hand (a verifier given the public PEM). */
  sign?: (text: string) => string;
  verify(text: string, sig: string): boolean;
}

/** The bytes a checkpoint signs: versioned, so a later format cannot be confused with this one. */
export function checkpointText(link: ChainLink): string {
  return `jit-audit-checkpoint:v1:${link.seq}:${link.hash}`;
}

/** HMAC-SHA256 with the shared secret (JIT_AUDIT_KEY); its id is an HMAC too, so it reveals nothing of the key. */
export function hmacKey(secret: string): AnchorKey {
  const mac = (text: string) => createHmac('sha256', secret).update(text).digest('hex');
  return {
    alg: 'hmac-sha256',
    keyId: mac('jit-audit-key-id').slice(0, 16),
    sign: mac,
    verify: (text, sig) => {
      const expected = Buffer.from(mac(text), 'hex');
      const given = Buffer.from(sig, 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

/**
 * Ed25519 from a PEM: a private key signs and verifies; a public key only
 * verifies (what an auditor needs). Throws a sentence when the PEM is neither.
 */
export function ed25519Key(pem: string): AnchorKey {
  let privateKey: KeyObject | undefined;
  let publicKey: KeyObject;
  try {
    if (pem.includes('PRIVATE KEY')) {
      privateKey = createPrivateKey(pem);
      publicKey = createPublicKey(privateKey);
    } else publicKey = createPublicKey(pem);
  } catch (error) {
    throw new Error(`is not a PEM key: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`is a ${publicKey.asymmetricKeyType ?? 'unknown'} key, not Ed25519: make one with \`openssl genpkey -algorithm ed25519\``);
  }
  const der = publicKey.export({ format: 'der', type: 'spki' });
  const signer = privateKey;
  return {
    alg: 'ed25519',
    keyId: createHash('sha256').update(der).digest('hex').slice(0, 16),
    ...(signer === undefined ? {} : { sign: (text: string) => sign(null, Buffer.from(text), signer).toString('base64') }),
    verify: (text, sig) => {
      try {
        return verify(null, Buffer.from(text), publicKey, Buffer.from(sig, 'base64'));
      } catch {
        return false;
      }
    },
  };
}

/** The checkpoint of `link`, signed; throws when the key cannot sign (a public key). */
export function signCheckpoint(link: ChainLink, key: AnchorKey): Checkpoint {
  if (!key.sign) throw new Error('the audit signing key is a public key: give the private key to sign checkpoints');
  return { seq: link.seq, hash: link.hash, alg: key.alg, sig: key.sign(checkpointText(link)), keyId: key.keyId };
}

/** Whether `checkpoint` was signed by `key` over its own seq and hash. */
export function checkpointValid(checkpoint: Checkpoint, key: AnchorKey): boolean {
  return checkpoint.alg === key.alg && key.verify(checkpointText(checkpoint), checkpoint.sig);
}

/** The line a checkpoint posts in the audit channel. */
export function checkpointLine(checkpoint: Checkpoint): string {
  return `Audit checkpoint: row ${checkpoint.seq}, hash ${checkpoint.hash.slice(0, 16)}…, signed ${checkpoint.alg}`;
}

/** A checkpoint's fields from post metadata, when they are all there and of the right type. */
export function checkpointOf(payload: Record<string, unknown>): Checkpoint | undefined {
  const { seq, hash, alg, sig, keyId } = payload;
  if (typeof seq !== 'number' || typeof hash !== 'string' || typeof sig !== 'string') return undefined;
  if (alg !== 'hmac-sha256' && alg !== 'ed25519') return undefined;
  return { seq, hash, alg, sig, ...(typeof keyId === 'string' ? { keyId } : {}) };
}

/** How an `audit.checkpoint` event keeps its checkpoint in the chain: JSON in its detail. */
export function checkpointDetail(checkpoint: Checkpoint): string {
  return JSON.stringify(checkpoint);
}

export function checkpointOfDetail(detail: string): Checkpoint | undefined {
  try {
    const parsed: unknown = JSON.parse(detail);
    return typeof parsed === 'object' && parsed !== null ? checkpointOf(parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
