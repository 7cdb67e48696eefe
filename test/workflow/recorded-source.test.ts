import { afterEach, describe, expect, it } from 'vitest';
import { RECORDED_SOURCE_MS } from '../../src/workflow/create-request.js';
import { createHarness, type Harness } from '../support/workflow-harness.js';

let h: Harness;
afterEach(() => h?.cleanup());

describe('`me` as the source', () => {
  it('me_withoutARecordedAddress_asksForTheLink', async () => {
    h = createHarness();
    const result = await h.workflow.request(h.input({ source: 'me' }));
    expect(result).toMatchObject({ ok: false, needsSourceLink: true, problems: [{ field: 'source', message: expect.stringMatching(/Use my IP/) }] });
    expect(await h.store.listRequests({})).toEqual([]);
  });

  it('me_afterTheLinkRecordedAnAddress_usesIt', async () => {
    h = createHarness();
    await h.store.recordSourceLink('nonce-1', 'UREQ', '198.51.100.7', h.clock.now());
    const result = await h.workflow.request(h.input({ source: 'me' }));
    expect(result.ok && result.request.source).toBe('198.51.100.7/32');
  });

  it('emptySource_fromTheForm_usesTheRecordedAddressToo', async () => {
    h = createHarness();
    await h.store.recordSourceLink('nonce-1', 'UREQ', '2001:db8::7', h.clock.now());
    expect(await h.workflow.check(h.input({ source: '' }))).toEqual([]);
    const result = await h.workflow.request(h.input({ source: '' }));
    expect(result.ok && result.request.source).toBe('2001:db8::7/128');
  });

  it('me_recordedTooLongAgo_isNotUsed', async () => {
    h = createHarness();
    await h.store.recordSourceLink('nonce-1', 'UREQ', '198.51.100.7', h.clock.now());
    h.clock.advance(RECORDED_SOURCE_MS + 1);
    expect((await h.workflow.check(h.input({ source: 'me' })))[0]?.field).toBe('source');
  });

  it('me_recordedForSomeoneElse_isNotUsed', async () => {
    h = createHarness();
    await h.store.recordSourceLink('nonce-1', 'UOTHER', '198.51.100.7', h.clock.now());
    expect((await h.workflow.check(h.input({ source: 'me' })))[0]?.field).toBe('source');
  });
});
