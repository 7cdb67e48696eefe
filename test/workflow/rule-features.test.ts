import { afterEach, describe, expect, it } from 'vitest';
import type { Rule } from '../../src/domain/types.js';
import { createHarness, policyOf, type Harness } from '../support/workflow-harness.js';

let h: Harness;
afterEach(() => h?.cleanup());

const withRules = (...rules: Rule[]) => createHarness({ policy: policyOf({ rules }) });

describe('rule features in the workflow', () => {
  it('justificationPattern_notMet_isAFieldProblemAndStoresNothing', async () => {
    h = withRules({
      name: 'ticket',
      match: {},
      effect: 'require_approval',
      justification: { required: true, pattern: /^OPS-\d+/, hint: 'a ticket ID such as OPS-123' },
    });
    const result = await h.workflow.request(h.input({ justification: 'because' }));
    expect(result).toMatchObject({ ok: false, problems: [{ field: 'justification', message: expect.stringMatching(/OPS-123/) }] });
    expect(await h.workflow.check(h.input({ justification: 'because' }))).toHaveLength(1);
    expect(await h.store.listRequests({})).toEqual([]);
  });

  it('justificationPattern_met_isPending', async () => {
    h = withRules({ name: 'ticket', match: {}, effect: 'require_approval', justification: { required: true, pattern: /^OPS-\d+/ } });
    expect(await h.workflow.check(h.input({ justification: 'OPS-42 disk full' }))).toEqual([]);
    const result = await h.workflow.request(h.input({ justification: 'OPS-42 disk full' }));
    expect(result.ok && result.request.state).toBe('pending');
  });

  it('breakGlass_opensAtOnce_approvedByTheRequesterOnTheRecord', async () => {
    h = withRules({ name: 'glass', match: { requesters: ['UREQ'] }, effect: 'break_glass', reason: 'incident' });
    const result = await h.workflow.request(h.input({ justification: 'prod down, INC-7' }));
    expect(result.ok && [result.request.state, result.request.decidedBy]).toEqual(['active', 'UREQ']);
    expect(h.backend.isOpen((result as { request: { id: string } }).request.id)).toBe(true);
    const events = (await h.store.auditEvents()).map((e) => [e.name, e.actor, e.detail ?? '']);
    expect(events).toContainEqual(['request.approved', 'UREQ', 'break-glass: incident']);
  });

  it('breakGlass_withoutJustification_isRefused', async () => {
    h = withRules({ name: 'glass', match: { requesters: ['UREQ'] }, effect: 'break_glass' });
    const result = await h.workflow.request(h.input({ justification: '' }));
    expect(result).toMatchObject({ ok: false, problems: [{ field: 'justification' }] });
    expect(h.backend.calls.filter((c) => c.op === 'open')).toEqual([]);
  });

  it('pendingTimeout_fromTheRule_timesOutThen', async () => {
    h = withRules({ name: 'quick', match: {}, effect: 'require_approval', pendingTimeoutSeconds: 120 });
    const result = await h.workflow.request(h.input());
    const id = (result as { request: { id: string } }).request.id;
    h.clock.advance(119_000);
    expect((await h.workflow.sweep()).timedOut).toBe(0);
    h.clock.advance(1_000);
    expect((await h.workflow.sweep()).timedOut).toBe(1);
    expect((await h.store.getRequest(id))?.state).toBe('timed_out');
  });
});

describe('per-requester rate limit', () => {
  it('eleventhStoredRequestInAMinute_isRefused_typosDoNotCount_andItRecovers', async () => {
    h = createHarness();
    for (let i = 0; i < 5; i++) expect((await h.workflow.request(h.input({ vm: 'nope' }))).ok).toBe(false);
    for (let i = 0; i < 10; i++) expect((await h.workflow.request(h.input())).ok).toBe(true);
    await expect(h.workflow.request(h.input())).rejects.toThrow(/10 requests in the last minute.*Try again in 60 s/);
    expect((await h.workflow.request(h.input({ requester: 'UOTHER' }))).ok).toBe(true);
    h.clock.advance(60_001);
    expect((await h.workflow.request(h.input())).ok).toBe(true);
    expect(await h.store.listRequests({ requester: 'UREQ' })).toHaveLength(11);
  });

  it('holdsAcrossReplicas_countedInTheSharedStore', async () => {
    h = createHarness();
    // A second replica: its own workflow (and its own memory of nothing), over the same database.
    const other = createHarness({ store: h.store });
    for (let i = 0; i < 5; i++) expect((await h.workflow.request(h.input())).ok).toBe(true);
    for (let i = 0; i < 5; i++) expect((await other.workflow.request(other.input())).ok).toBe(true);
    await expect(h.workflow.request(h.input())).rejects.toThrow(/10 requests in the last minute/);
    await expect(other.workflow.request(other.input())).rejects.toThrow(/10 requests in the last minute/);
  });
});

describe('authorisation against the policy at the moment of the click', () => {
  it('approverRemovedFromThePolicy_cannotDecideEarlierRequests', async () => {
    h = createHarness();
    const result = await h.workflow.request(h.input());
    const id = (result as { request: { id: string } }).request.id;
    h.setPolicy(policyOf({ approvers: ['UAPPROVER2'] }));
    await expect(h.workflow.approve(id, 'UAPPROVER1')).rejects.toThrow(/no longer an approver in the current policy/);
    await expect(h.workflow.deny(id, 'UAPPROVER1')).rejects.toThrow(/no longer an approver in the current policy/);
    expect((await h.store.getRequest(id))?.state).toBe('pending');
    expect((await h.workflow.approve(id, 'UAPPROVER2')).outcome).toBe('approved');
  });

  it('approverNamedByARuleOnly_staysAnApprover', async () => {
    h = withRules({ name: 'ops', match: {}, effect: 'require_approval', approvers: ['UOPS'] });
    const result = await h.workflow.request(h.input());
    const id = (result as { request: { id: string } }).request.id;
    expect((await h.workflow.approve(id, 'UOPS')).outcome).toBe('approved');
  });
});
