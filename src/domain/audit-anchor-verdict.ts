// The verdict of `jit audit verify --against-slack`, as data: what the audit
// channel anchors (signed checkpoints, and the (seq, hash) every audit post
// carries) against what the database holds. A checkpoint whose signature does
// not verify is forged and anchors nothing; every other anchor must be in the
// database with the same hash, and none may lie beyond its newest row.

import { type AnchorKey, type ChainLink, type Checkpoint, checkpointValid } from './audit-anchor.js';
import type { ChainVerdict } from './audit-chain.js';

/** One (seq, hash) the audit channel holds: a signed checkpoint, or the head an audit post carries. */
export interface Anchor extends ChainLink {
  source: 'checkpoint' | 'post';
  /** When Slack got the message (epoch ms). */
  at: number;
  checkpoint?: Checkpoint;
}

export interface DatabaseChain {
  /** seq → hash of every row. */
  hashes: ReadonlyMap<number, string>;
  /** The newest row's seq; 0 when the log is empty. */
  newest: number;
  verdict: ChainVerdict;
}

export type AnchorProblem =
  | { kind: 'forged'; seq: number; at: number }
  | { kind: 'missing'; from: number; to: number; anchor: Anchor }
  | { kind: 'rewritten'; seq: number; anchor: Anchor }
  | { kind: 'chain'; verdict: Extract<ChainVerdict, { ok: false }> };

export interface AnchorVerdict {
  ok: boolean;
  checkpoints: number;
  posts: number;
  /** The newest seq Slack anchors (forged checkpoints aside); 0 when it anchors none. */
  newestAnchored: number;
  databaseRows: number;
  newestRow: number;
  problems: AnchorProblem[];
}

/** `key` undefined: no checkpoint is checked (the caller refuses that when the channel has checkpoints). */
export function compareAnchors(anchors: readonly Anchor[], key: AnchorKey | undefined, db: DatabaseChain): AnchorVerdict {
  const problems: AnchorProblem[] = [];
  const trusted: Anchor[] = [];
  for (const anchor of anchors) {
    if (anchor.checkpoint && key && !checkpointValid(anchor.checkpoint, key)) problems.push({ kind: 'forged', seq: anchor.seq, at: anchor.at });
    else trusted.push(anchor);
  }
  // The anchor of the newest seq names deleted newest rows; among equals a signed checkpoint is the stronger witness.
  const newestAnchor = trusted.reduce<Anchor | undefined>(
    (best, anchor) => (!best || anchor.seq > best.seq || (anchor.seq === best.seq && anchor.source === 'checkpoint') ? anchor : best),
    undefined,
  );
  if (newestAnchor && newestAnchor.seq > db.newest) problems.push({ kind: 'missing', from: db.newest + 1, to: newestAnchor.seq, anchor: newestAnchor });
  const reported = new Set<number>();
  for (const anchor of [...trusted].sort((a, b) => a.seq - b.seq)) {
    if (anchor.seq > db.newest || reported.has(anchor.seq)) continue;
    const hash = db.hashes.get(anchor.seq);
    if (hash === undefined) problems.push({ kind: 'missing', from: anchor.seq, to: anchor.seq, anchor });
    else if (hash !== anchor.hash) problems.push({ kind: 'rewritten', seq: anchor.seq, anchor });
    else continue;
    reported.add(anchor.seq);
  }
  if (!db.verdict.ok) problems.push({ kind: 'chain', verdict: db.verdict });
  return {
    ok: problems.length === 0,
    checkpoints: anchors.filter((anchor) => anchor.source === 'checkpoint').length,
    posts: anchors.filter((anchor) => anchor.source === 'post').length,
    newestAnchored: newestAnchor?.seq ?? 0,
    databaseRows: db.hashes.size,
    newestRow: db.newest,
    problems,
  };
}

/** A problem as one sentence: which rows, and which anchor says so. */
export function anchorProblemText(problem: AnchorProblem): string {
  switch (problem.kind) {
    case 'forged':
      return `the checkpoint of ${minute(problem.at)} (row ${problem.seq}) has a bad signature: it is forged, or signed with another key`;
    case 'missing': {
      const rows = problem.from === problem.to ? `row ${problem.from} is missing` : `rows ${problem.from}–${problem.to} are missing`;
      return `${rows}: ${anchorName(problem.anchor)} anchors row ${problem.anchor.seq}`;
    }
    case 'rewritten':
      return `row ${problem.seq}'s hash differs from the one anchored in Slack (${anchorName(problem.anchor)}): the chain was rewritten`;
    case 'chain': {
      const { seq, problem: what } = problem.verdict;
      return `the database chain is broken at row ${seq}: ${what === 'edited' ? 'it was edited' : 'a row before it was deleted or the rows were reordered'}`;
    }
  }
}

function anchorName(anchor: Anchor): string {
  return `${anchor.source === 'checkpoint' ? 'the checkpoint' : 'the audit post'} of ${minute(anchor.at)}`;
}

/** `2026-12-05 10:15` (UTC). */
function minute(at: number): string {
  return new Date(at).toISOString().slice(0, 16).replace('T', ' ');
}
