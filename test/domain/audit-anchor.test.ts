// Checkpoint signatures (HMAC-SHA256 and Ed25519, node:crypto) and the verdict
// of comparing what the audit channel anchors with the database's chain.

import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkpointText, checkpointValid, ed25519Key, hmacKey, signCheckpoint } from '../../src/domain/audit-anchor.js';
import { type Anchor, anchorProblemText, compareAnchors, type DatabaseChain } from '../../src/domain/audit-anchor-verdict.js';

const SECRET = 'a'.repeat(64);
const link = { seq: 57, hash: 'ab'.repeat(32) };

function ed25519Pems(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

function chainOf(rows: number, hashOf: (seq: number) => string = (seq) => `h${seq}`): DatabaseChain {
  const hashes = new Map(Array.from({ length: rows }, (_, i) => [i + 1, hashOf(i + 1)] as [number, string]));
  return { hashes, newest: rows, verdict: { ok: true, rows, head: hashOf(rows) } };
}

const AT = Date.UTC(2026, 11, 5, 10, 15);

describe('checkpoint signatures', () => {
  it('hmac_signedCheckpoint_verifies_andAnyChangedFieldDoesNot', () => {
    const key = hmacKey(SECRET);
    const checkpoint = signCheckpoint(link, key);
    expect(checkpoint).toMatchObject({ seq: 57, hash: link.hash, alg: 'hmac-sha256', keyId: key.keyId });
    expect(checkpointText(link)).toBe(`jit-audit-checkpoint:v1:57:${link.hash}`);
    expect(checkpointValid(checkpoint, key)).toBe(true);
    expect(checkpointValid({ ...checkpoint, seq: 58 }, key)).toBe(false);
    expect(checkpointValid({ ...checkpoint, hash: 'cd'.repeat(32) }, key)).toBe(false);
    expect(checkpointValid(checkpoint, hmacKey('b'.repeat(64)))).toBe(false);
    expect(key.keyId).not.toContain(SECRET.slice(0, 8));
  });

  it('ed25519_privateKeySigns_publicKeyAloneVerifies_andCannotSign', () => {
    const { privatePem, publicPem } = ed25519Pems();
    const signer = ed25519Key(privatePem);
    const verifier = ed25519Key(publicPem);
    expect(verifier.keyId).toBe(signer.keyId);
    const checkpoint = signCheckpoint(link, signer);
    expect(checkpoint.alg).toBe('ed25519');
    expect(checkpointValid(checkpoint, verifier)).toBe(true);
    expect(checkpointValid({ ...checkpoint, seq: 56 }, verifier)).toBe(false);
    expect(checkpointValid(checkpoint, ed25519Key(ed25519Pems().publicPem))).toBe(false);
    expect(() => signCheckpoint(link, verifier)).toThrow(/public key/);
  });

  it('ed25519_givenAnRsaKeyOrNoPem_isRefusedWithWhatToDo', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => ed25519Key(rsa)).toThrow(/not Ed25519.*openssl genpkey/);
    expect(() => ed25519Key('hello')).toThrow(/is not a PEM key/);
  });

  it('anHmacCheckpoint_checkedWithAnEd25519Key_isNotValid', () => {
    const checkpoint = signCheckpoint(link, hmacKey(SECRET));
    expect(checkpointValid(checkpoint, ed25519Key(ed25519Pems().publicPem))).toBe(false);
  });
});

describe('compareAnchors', () => {
  const key = hmacKey(SECRET);
  const checkpoint = (seq: number, hash = `h${seq}`, at = AT): Anchor => ({
    seq,
    hash,
    at,
    source: 'checkpoint',
    checkpoint: signCheckpoint({ seq, hash }, key),
  });
  const post = (seq: number, hash = `h${seq}`, at = AT): Anchor => ({ seq, hash, at, source: 'post' });

  it('everyAnchorInTheDatabaseWithItsHash_isIntact', () => {
    const verdict = compareAnchors([post(1), post(2), checkpoint(2), post(3)], key, chainOf(3));
    expect(verdict).toMatchObject({ ok: true, checkpoints: 1, posts: 3, newestAnchored: 3, databaseRows: 3, newestRow: 3, problems: [] });
  });

  it('newestRowsDeleted_areNamedWithTheCheckpointThatAnchorsThem', () => {
    const verdict = compareAnchors([post(12), checkpoint(57)], key, chainOf(40));
    expect(verdict.ok).toBe(false);
    expect(verdict.problems.map(anchorProblemText)).toEqual(['rows 41–57 are missing: the checkpoint of 2026-12-05 10:15 anchors row 57']);
  });

  it('aRewrittenChain_thatVerifiesOnItsOwn_isCaughtByTheAnchoredHash', () => {
    const verdict = compareAnchors(
      [post(12, 'h12'), checkpoint(20)],
      key,
      chainOf(20, (seq) => `x${seq}`),
    );
    expect(verdict.problems.map(anchorProblemText)).toEqual([
      "row 12's hash differs from the one anchored in Slack (the audit post of 2026-12-05 10:15): the chain was rewritten",
      "row 20's hash differs from the one anchored in Slack (the checkpoint of 2026-12-05 10:15): the chain was rewritten",
    ]);
  });

  it('aForgedCheckpoint_isReported_andAnchorsNothing', () => {
    const forged: Anchor = { ...checkpoint(99), checkpoint: { ...signCheckpoint({ seq: 99, hash: 'h99' }, hmacKey('c'.repeat(64))) } };
    const verdict = compareAnchors([post(3), forged], key, chainOf(3));
    expect(verdict.newestAnchored).toBe(3);
    expect(verdict.problems).toEqual([{ kind: 'forged', seq: 99, at: AT }]);
    expect(anchorProblemText(verdict.problems[0]!)).toMatch(/checkpoint of 2026-12-05 10:15 \(row 99\) has a bad signature: it is forged/);
  });

  it('aRowMissingInsideTheChain_andABrokenDatabaseChain_areBothReported', () => {
    const db = chainOf(5);
    (db.hashes as Map<number, string>).delete(3);
    const verdict = compareAnchors([post(3)], key, { ...db, verdict: { ok: false, rows: 3, seq: 4, problem: 'deleted_or_reordered_before' } });
    expect(verdict.problems.map(anchorProblemText)).toEqual([
      'row 3 is missing: the audit post of 2026-12-05 10:15 anchors row 3',
      'the database chain is broken at row 4: a row before it was deleted or the rows were reordered',
    ]);
  });
});
