// What audit anchoring reads of the chain, on the real SQLite file and (when
// its server answers) PostgreSQL: every row's (seq, hash), the head, the row a
// notification reports; and the checkpoint use case over a real store (one
// checkpoint per growth of the chain, posted through the outbox).

import { expect, it } from 'vitest';
import { type ChainReader, checkpointOfDetail, checkpointValid, hmacKey } from '../../src/domain/audit-anchor.js';
import type { SystemEvent } from '../../src/domain/types.js';
import type { Store } from '../../src/ports/store.js';
import { checkpointAuditChain } from '../../src/workflow/audit-checkpoint.js';
import { describeContract } from './contract/engine.js';
import { ENGINES } from './contract/engines.js';
import { auditNote, makeEvent, makeRequest, moved } from './fixtures.js';

const KEY = hmacKey('k'.repeat(64));
const CLOCK = { now: () => 1_800_000_000_000 };
const LONE = '\u{1F525}'.slice(0, 1);

async function withRequestAndDrift(store: Store): Promise<{ created: ReturnType<typeof makeEvent>; drift: SystemEvent }> {
  const request = makeRequest({ justification: 'why' });
  const created = makeEvent(request, 'request.created', { detail: `cut ${LONE}` });
  await store.insertRequest(request, [created], [auditNote(request, created)]);
  const drift: SystemEvent = { name: 'drift.orphan_closed', actor: 'system', at: 1_800_000_000_500, detail: 'closed rule x' };
  await store.recordSystemEvent(drift, [{ kind: 'system', event: drift }]);
  return { created, drift };
}

for (const engine of ENGINES.filter((candidate) => candidate.name !== 'memory')) {
  describeContract(engine, [
    (c) => {
      const open = async () => (await c.open()) as Store & ChainReader;

      it('anEmptyLog_hasNoHead_andNoLinks', async () => {
        const store = await open();
        expect(await store.auditHead()).toBeUndefined();
        expect(await store.auditLinks()).toEqual([]);
      });

      it('linksHeadAndLinkOf_readTheRowsAsWritten_requestAndSystemEventsAlike', async () => {
        const store = await open();
        const { created, drift } = await withRequestAndDrift(store);
        const links = await store.auditLinks();
        expect(links.map((link) => link.seq)).toEqual([1, 2]);
        expect(links.every((link) => /^[0-9a-f]{64}$/.test(link.hash))).toBe(true);
        const verdict = await store.verifyAuditChain();
        expect(verdict).toMatchObject({ ok: true, head: links[1]!.hash });
        expect(await store.auditHead()).toEqual({ ...links[1], name: 'drift.orphan_closed' });
        // The notification carries the event as given (a lone surrogate): found as stored (U+FFFD).
        expect(await store.auditLinkOf(created)).toEqual(links[0]);
        expect(await store.auditLinkOf(drift)).toEqual(links[1]);
        expect(await store.auditLinkOf({ ...drift, detail: 'another rule' })).toBeUndefined();
      });

      it('checkpoint_anchorsTheHead_once_andAgainOnlyAfterTheChainGrew', async () => {
        const store = await open();
        expect(await checkpointAuditChain(store, KEY, CLOCK)).toBeUndefined();
        await withRequestAndDrift(store);
        const head = await store.auditHead();

        const first = await checkpointAuditChain(store, KEY, CLOCK);
        expect(first).toMatchObject({ seq: head!.seq, hash: head!.hash, alg: 'hmac-sha256', keyId: KEY.keyId });
        expect(checkpointValid(first!, KEY)).toBe(true);
        expect(await checkpointAuditChain(store, KEY, CLOCK)).toBeUndefined();

        const recorded = (await store.systemEvents()).filter((event) => event.name === 'audit.checkpoint');
        expect(recorded.map((event) => checkpointOfDetail(event.detail))).toEqual([first]);
        const outbox = (await store.pendingOutbox(10)).map((row) => row.notification);
        expect(outbox.filter((n) => n.kind === 'system' && n.event.name === 'audit.checkpoint')).toHaveLength(1);

        const request = makeRequest({ id: 'def567' });
        await store.insertRequest(request, [makeEvent(request, 'request.created')], []);
        await store.transition(request, moved(request, { state: 'cancelled' }), [makeEvent(request, 'request.cancelled')], []);
        const second = await checkpointAuditChain(store, KEY, CLOCK);
        expect(second?.seq).toBe(head!.seq + 3);
        expect(await store.verifyAuditChain()).toMatchObject({ ok: true });
      });
    },
  ]);
}
