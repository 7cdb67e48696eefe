// Text PostgreSQL cannot keep as text: U+0000, and a lone surrogate (half an
// emoji, cut). Requests are JSON, which escapes both, so one round-trips exactly
// in every engine and the filters (kept in copy columns in PostgreSQL, never read
// out of the JSON) still work. Audit text is hashed as stored: a lone surrogate
// becomes U+FFFD in every engine (storableEvent); U+0000 does in PostgreSQL
// alone, before hashing, so its chain verifies too.

import { expect, it } from 'vitest';
import { describeContract } from '../contract/engine.js';
import { ENGINES } from '../contract/engines.js';
import { auditNote, makeEvent, makeRequest, moved } from '../fixtures.js';

const [HIGH, LOW] = ['\u{1F525}'.slice(0, 1), '\u{1F525}'.slice(1)];
const ODD = `disk full \u0000 then ${HIGH}, ${LOW}`;

for (const engine of ENGINES) {
  describeContract(engine, [
    (c) => {
      it('aRequestWithNulAndALoneSurrogate_roundTripsExactly_andEveryFilterStillFindsIt', async () => {
        const store = await c.open();
        const lead = makeRequest({ id: 'lead22', batchId: 'lead22', justification: ODD, requester: 'U0ODD' });
        const member = makeRequest({ id: 'mem333', batchId: 'lead22', justification: ODD, requester: 'U0ODD' });
        const extension = makeRequest({ id: 'ext444', extends: 'lead22', justification: `${ODD}\u0000`, requester: 'U0ODD' });
        const event = makeEvent(lead, 'request.created');
        await store.insertRequests([lead, member].map((request) => ({ request, events: [event], notifications: [auditNote(request, event)] })));
        await store.insertRequest(extension, [], []);

        expect(await store.getRequest('lead22')).toEqual(lead);
        expect((await store.getRequest('ext444'))?.justification).toBe(`${ODD}\u0000`);
        expect(await store.listRequests({ batchId: 'lead22' })).toEqual([lead, member]);
        expect(await store.listRequests({ extends: 'lead22' })).toEqual([extension]);
        expect(await store.listRequests({ requester: 'U0ODD', states: ['pending'] })).toHaveLength(3);
        expect(await store.requestTimesSince('U0ODD', 0)).toEqual([lead.createdAt]);
        expect((await store.pendingOutbox(10))[0]?.notification).toEqual(auditNote(lead, event));

        const next = moved(lead, { state: 'approved', reason: ODD });
        expect(await store.transition(lead, next, [], [])).toEqual({ ...next, version: lead.version + 1 });
        expect((await store.getRequest('lead22'))?.reason).toBe(ODD);
      });

      it('anEventWithNulAndALoneSurrogate_isWritten_andTheChainVerifies', async () => {
        const store = await c.open();
        const request = makeRequest();
        await store.insertRequest(request, [], []);
        const denied = makeEvent(request, 'request.denied', { detail: ODD, actor: 'U0\u0000' });

        await store.transition(request, moved(request, { state: 'denied' }), [denied], [auditNote(request, denied)]);

        // Audit text is made storable before it is hashed, alike in every engine: U+0000 becomes U+FFFD.
        expect((await store.auditEvents(request.id))[0]).toMatchObject({ detail: 'disk full \uFFFD then \uFFFD, \uFFFD', actor: 'U0\uFFFD' });
        expect(await store.verifyAuditChain()).toMatchObject({ ok: true, rows: 1 });
        const [row] = await store.pendingOutbox(10);
        expect(row?.notification).toEqual(auditNote(request, denied));
        await store.markRetry(row!.id, 'slack said \u0000', 0);
        // Other text: SQLite keeps U+0000; PostgreSQL cannot, and stores U+FFFD in its place.
        const nul = c.engine === 'postgres' ? '\uFFFD' : '\u0000';
        expect((await store.pendingOutbox(10))[0]?.lastError).toBe(`slack said ${nul}`);
      });
    },
  ]);
}
