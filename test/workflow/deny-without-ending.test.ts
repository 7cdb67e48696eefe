import { afterEach, describe, expect, it } from 'vitest';
import type { AccessRequest, Rule } from '../../src/domain/types.js';
import { refusal, createHarness, policyOf, type Harness } from '../support/workflow-harness.js';

let h: Harness;
afterEach(() => h?.cleanup());

const APPROVERS = ['UAPPROVER1', 'UAPPROVER2', 'UAPPROVER3'];

function quorumRule(overrides: Partial<Rule> = {}): Rule {
  return { name: 'two-of-three', match: {}, effect: 'require_approval', approvals: 2, approvers: APPROVERS, denyEndsRequest: false, ...overrides };
}

async function pendingUnder(rule: Rule): Promise<AccessRequest> {
  h = createHarness({ policy: policyOf({ rules: [rule] }) });
  const result = await h.workflow.request(h.input());
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  expect(result.request.state).toBe('pending');
  return result.request;
}

describe('deny when the rule says a Deny does not end the request', () => {
  it('deny_denyEndsRequestFalse_isRecordedAndTheRequestStaysPending', async () => {
    const request = await pendingUnder(quorumRule());
    const before = (await h.notifications()).length;

    const result = await h.workflow.deny(request.id, 'UAPPROVER1', 'not during the freeze');

    expect(result.outcome).toBe('denial_added');
    expect(result.request).toMatchObject({ state: 'pending', denials: ['UAPPROVER1'], approvals: [] });
    expect(result.request.decidedBy).toBeUndefined();
    expect(result.request.reason).toBeUndefined();
    expect(await h.store.getRequest(request.id)).toMatchObject({ state: 'pending', denials: ['UAPPROVER1'], version: request.version + 1 });
    const events = (await h.store.auditEvents(request.id)).map((e) => [e.name, e.actor, e.detail ?? '']);
    expect(events).toEqual([
      ['request.created', 'UREQ', expect.any(String)],
      ['request.denial_added', 'UAPPROVER1', 'not during the freeze'],
    ]);
    // Audit reply, the approval messages rewritten with the denial, the requester told.
    const written = (await h.notifications()).slice(before);
    expect(written.map((n) => n.kind)).toEqual(['audit', 'approval_update', 'requester_dm']);
    expect(written.every((n) => 'request' in n && n.request.denials?.includes('UAPPROVER1'))).toBe(true);
    expect(written.find((n) => n.kind === 'requester_dm')).toMatchObject({ event: 'request.denial_added' });
    expect(h.backend.calls.filter((c) => c.op === 'open')).toEqual([]);
  });

  it('deny_thenTwoApprovals_quorumIsStillReachedAndOpens', async () => {
    const request = await pendingUnder(quorumRule());
    await h.workflow.deny(request.id, 'UAPPROVER1');
    expect((await h.workflow.approve(request.id, 'UAPPROVER2')).outcome).toBe('approval_added');
    const done = await h.workflow.approve(request.id, 'UAPPROVER3');
    expect(done.outcome).toBe('approved');
    expect(done.request).toMatchObject({ state: 'active', approvals: ['UAPPROVER2', 'UAPPROVER3'], denials: ['UAPPROVER1'] });
    expect(h.backend.isOpen(request.id)).toBe(true);
    expect((await h.store.auditEvents(request.id)).map((e) => e.name)).toEqual([
      'request.created',
      'request.denial_added',
      'request.approval_added',
      'request.approved',
      'grant.opened',
    ]);
  });

  it('deny_twoDenialsOfThree_stillPendingUntilItTimesOut', async () => {
    const request = await pendingUnder(quorumRule({ pendingTimeoutSeconds: 600 }));
    await h.workflow.deny(request.id, 'UAPPROVER1');
    await h.workflow.deny(request.id, 'UAPPROVER2');
    expect(await h.store.getRequest(request.id)).toMatchObject({ state: 'pending', denials: ['UAPPROVER1', 'UAPPROVER2'] });
    h.clock.advance(600_000);
    expect((await h.workflow.sweep()).timedOut).toBe(1);
    expect((await h.store.getRequest(request.id))?.state).toBe('timed_out');
  });

  it('deny_samePersonTwice_countsOnce', async () => {
    const request = await pendingUnder(quorumRule());
    await h.workflow.deny(request.id, 'UAPPROVER1');
    expect(await refusal(h.workflow.deny(request.id, 'UAPPROVER1'))).toMatch(/^jit_not_allowed: You have already denied request #/);
    expect((await h.store.getRequest(request.id))?.denials).toEqual(['UAPPROVER1']);
    expect((await h.store.auditEvents(request.id)).filter((e) => e.name === 'request.denial_added')).toHaveLength(1);
  });

  it('approve_byWhoDenied_isRefused', async () => {
    const request = await pendingUnder(quorumRule());
    await h.workflow.deny(request.id, 'UAPPROVER1');
    expect(await refusal(h.workflow.approve(request.id, 'UAPPROVER1'))).toMatch(/^jit_not_allowed: You denied request #\w+, so you cannot also approve it/);
    expect(await h.store.getRequest(request.id)).toMatchObject({ state: 'pending', approvals: [], denials: ['UAPPROVER1'] });
  });

  it('deny_byWhoApproved_isRefused', async () => {
    const request = await pendingUnder(quorumRule());
    await h.workflow.approve(request.id, 'UAPPROVER2');
    expect(await refusal(h.workflow.deny(request.id, 'UAPPROVER2'))).toMatch(/^jit_not_allowed: You approved request #\w+, so you cannot also deny it/);
    const stored = await h.store.getRequest(request.id);
    expect(stored).toMatchObject({ state: 'pending', approvals: ['UAPPROVER2'] });
    expect(stored?.denials).toBeUndefined();
  });

  it('deny_byRequesterOrStranger_isStillRefused', async () => {
    const request = await pendingUnder(quorumRule({ approvers: ['UREQ', ...APPROVERS] }));
    expect(await refusal(h.workflow.deny(request.id, 'UREQ'))).toMatch(/^jit_not_allowed: You cannot deny your own request/);
    expect(await refusal(h.workflow.deny(request.id, 'USTRANGER'))).toMatch(/^jit_not_approver:/);
    expect((await h.store.getRequest(request.id))?.denials).toBeUndefined();
  });

  it('deny_afterTheRequestWasDecided_isRefused', async () => {
    const request = await pendingUnder(quorumRule());
    await h.workflow.approve(request.id, 'UAPPROVER1');
    await h.workflow.approve(request.id, 'UAPPROVER2');
    expect(await refusal(h.workflow.deny(request.id, 'UAPPROVER3'))).toMatch(/^jit_wrong_state: .*already active/);
    expect((await h.store.getRequest(request.id))?.denials).toBeUndefined();
  });
});

describe('deny when a Deny ends the request', () => {
  it.each([
    ['true', { denyEndsRequest: true }],
    ['absent (the default)', { denyEndsRequest: undefined }],
  ] as [string, Partial<Rule>][])('deny_denyEndsRequest%s_endsTheRequest', async (_label, overrides) => {
    const { denyEndsRequest: _drop, ...base } = quorumRule();
    const rule: Rule = overrides.denyEndsRequest === undefined ? base : { ...base, ...overrides };
    const request = await pendingUnder(rule);
    const result = await h.workflow.deny(request.id, 'UAPPROVER1', 'no');
    expect(result.outcome).toBe('denied');
    expect(result.request).toMatchObject({ state: 'denied', decidedBy: 'UAPPROVER1', reason: 'no' });
    expect(result.request.denials).toBeUndefined();
    expect((await h.store.auditEvents(request.id)).map((e) => e.name)).toEqual(['request.created', 'request.denied']);
    expect(await refusal(h.workflow.approve(request.id, 'UAPPROVER2'))).toMatch(/already denied/);
  });
});
