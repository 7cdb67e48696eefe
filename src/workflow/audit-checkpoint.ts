// A signed checkpoint of the audit chain's head, posted to the audit channel:
// a record outside the database that the newest rows existed with these
// hashes. Written as an `audit.checkpoint` system event with its notification
// in one transaction, so the outbox posts it exactly once, crash or not. Only
// when the chain grew since the last checkpoint (the newest row is not a
// checkpoint itself), so an idle bot posts nothing.

import { type AnchorKey, type ChainReader, type Checkpoint, checkpointDetail, signCheckpoint } from '../domain/audit-anchor.js';
import type { SystemEvent } from '../domain/types.js';
import type { Clock } from '../ports/clock.js';
import type { AuditLog } from '../ports/store.js';

export const CHECKPOINT_EVENT = 'audit.checkpoint';

/** Records a checkpoint of the head when the chain grew since the last one; the checkpoint, or undefined when there was nothing new. */
export async function checkpointAuditChain(store: AuditLog & Pick<ChainReader, 'auditHead'>, key: AnchorKey, clock: Clock): Promise<Checkpoint | undefined> {
  const head = await store.auditHead();
  if (head === undefined || head.name === CHECKPOINT_EVENT) return undefined;
  const checkpoint = signCheckpoint(head, key);
  const event: SystemEvent = { name: CHECKPOINT_EVENT, actor: 'system', at: clock.now(), detail: checkpointDetail(checkpoint) };
  await store.recordSystemEvent(event, [{ kind: 'system', event }]);
  return checkpoint;
}
