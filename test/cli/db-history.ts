// A SQLite database with real history for `jit db copy` to carry: made by the
// real workflow (grants approved, opened, expired, revoked, denied, a batch
// still waiting), plus what the bot's other parts write beside it: a drift
// event, a Slack overlay entry, a "Use my IP" link, an API token, an event
// sink's cursor and dead letter, and an outbox partly delivered (with its
// posts and message refs), partly retried, partly claimed.

import { randomBytes } from 'node:crypto';
import { runJit } from '../../src/cli/run.js';
import { CLI_OPENERS } from '../../src/compose/cli.js';
import { tokenCreatedEvent } from '../../src/domain/api-token-record.js';
import type { SystemEvent } from '../../src/domain/types.js';
import { SqliteApiTokenStore } from '../../src/store/api-tokens.js';
import { SqliteEventStreamStore } from '../../src/store/event-stream.js';
import type { SqliteStore } from '../../src/store/sqlite-store.js';
import { createHarness, liveThroughAFewGrants, policyOf, vm, type Harness } from '../support/workflow-harness.js';

export interface History {
  h: Harness;
  /** The first request of the batch still waiting (its leader). */
  batch: string;
  /** The outbox row delivered, with one post and one message ref. */
  delivered: number;
  /** The outbox row an old bot claimed and still held (its lease not run out) when the copy was made. */
  claimed: number;
}

export interface JitRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `jit …` in process, with the real openers, as bin/jit.js runs it. */
export async function jit(args: string[], env: Record<string, string> = {}): Promise<JitRun> {
  let stdout = '';
  let stderr = '';
  const io = { env, stdout: (text: string) => void (stdout += text), stderr: (text: string) => void (stderr += text) };
  const code = await runJit(args, io, CLI_OPENERS);
  return { code, stdout, stderr };
}

export async function sqliteWithHistory(): Promise<History> {
  const h = createHarness({ policy: policyOf({ vms: [vm('web-1'), vm('db-1', { address: '10.0.0.5' })] }) });
  await liveThroughAFewGrants(h);

  const revoked = await granted(h, 'UREV');
  await h.workflow.revoke(revoked, 'UAPPROVER1');
  const denied = await h.workflow.request(h.input({ requester: 'UDENIED' }));
  if (!denied.ok) throw new Error('request refused');
  await h.workflow.deny(denied.request.id, 'UAPPROVER1', 'not during the freeze');
  const batch = await h.workflow.request(h.input({ requester: 'UBATCH', vm: 'web-1,db-1' }));
  if (!batch.ok) throw new Error(`batch refused: ${JSON.stringify(batch)}`);
  await granted(h, 'UOPEN');

  const now = h.clock.now();
  const drift: SystemEvent = { name: 'drift.orphan_closed', actor: 'system', at: now, detail: 'closed an allow rule no request explains' };
  await h.store.recordSystemEvent(drift, [{ kind: 'system', event: drift }]);
  const enabled: SystemEvent = { name: 'policy.vm_enabled', actor: 'UADMIN', at: now, detail: 'enabled JIT on web-9' };
  const ports = [{ number: 22, protocol: 'TCP', allowedSourceAddressPrefix: '*', maxRequestAccessDuration: 'PT3H' }];
  await h.store.saveOverlayVm({ name: 'web-9', vm: { id: 'web-9', address: '10.0.0.9', ports }, updatedBy: 'UADMIN', updatedAt: now }, enabled, []);
  await h.store.recordSourceLink(randomBytes(8).toString('hex'), 'UREQ0', '198.51.100.7/32', now);

  // A script's API token, and an event sink that has dead-lettered one event and stands after it.
  const tokens = new SqliteApiTokenStore(h.store as SqliteStore);
  const token = { id: 'k7m2qpab', owner: 'UREQ0', name: 'deploy', secretHash: 'a'.repeat(64), createdAt: now, expiresAt: now + 86_400_000 };
  await tokens.createToken(token, 10, tokenCreatedEvent(token), []);
  const stream = new SqliteEventStreamStore(h.store as SqliteStore);
  await stream.openCursor('webhook', 'beginning');
  await stream.deadLettered({ sink: 'webhook', from: 0, seq: 1 }, { sink: 'webhook', seq: 1, attempts: 12, lastError: 'HTTP 500', at: now });

  // An old bot delivered one queue's head, failed another's, and holds a third's claim.
  const [first, second, third] = await h.store.claimOutbox('old-bot', now, 3_600_000, 3);
  if (!first?.requestId || !second || !third) throw new Error('expected three outbox queues');
  await h.store.claimPost(first.id, 'audit', 'CAUDIT', now);
  await h.store.recordPost(first.id, 'audit', 'CAUDIT', '1700000000.000100');
  await h.store.markDelivered(first.id, [{ requestId: first.requestId, role: 'audit', channel: 'CAUDIT', ts: '1700000000.000100' }]);
  await h.store.markRetry(second.id, 'ratelimited', now + 30_000);
  return { h, batch: batch.request.id, delivered: first.id, claimed: third.id };
}

async function granted(h: Harness, requester: string): Promise<string> {
  const result = await h.workflow.request(h.input({ requester }));
  if (!result.ok) throw new Error('request refused');
  await h.workflow.approve(result.request.id, 'UAPPROVER1');
  return result.request.id;
}
