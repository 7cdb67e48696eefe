import { afterEach, describe, expect, it } from 'vitest';
import type { AccessRequest } from '../../src/domain/types.js';
import { refusal, createHarness, policyOf, port, vm, type Harness } from '../support/workflow-harness.js';
import { asGrant } from '../support/request-overrides.js';

let h: Harness;
afterEach(() => h?.cleanup());

async function pending(harness: Harness, overrides = {}): Promise<AccessRequest> {
  const result = await harness.workflow.request(harness.input(overrides));
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  expect(result.request.state).toBe('pending');
  return result.request;
}

describe('request', () => {
  it('request_valid_isPendingWithAuditDmAndOneApprovalDmPerApprover', async () => {
    h = createHarness();
    const request = await pending(h);
    expect(request.id).toMatch(/^[23456789a-hjkmnp-z]{6}$/);
    expect((await h.store.auditEvents(request.id)).map((e) => e.name)).toEqual(['request.created']);
    const kinds = (await h.notifications()).map((n) => (n.kind === 'approval_request' ? `${n.kind}:${n.target}` : n.kind));
    expect(kinds).toEqual(['audit', 'requester_dm', 'approval_request:UAPPROVER1', 'approval_request:UAPPROVER2']);
    expect(h.backend.calls.filter((c) => c.op === 'open')).toEqual([]);
  });

  it('request_withApprovalChannel_postsOnceToTheChannel', async () => {
    h = createHarness({ approvalChannel: 'CAPPROVALS' });
    await pending(h);
    expect((await h.notifications()).filter((n) => n.kind === 'approval_request').map((n) => n.kind === 'approval_request' && n.target)).toEqual([
      'CAPPROVALS',
    ]);
  });

  it('request_groupApprover_dmsEachMemberButNotTheRequester', async () => {
    h = createHarness({ policy: policyOf({ approvers: ['SOPS'] }), groups: { SOPS: ['UREQ', 'UOPS1', 'UOPS2'] } });
    await pending(h);
    const targets = (await h.notifications()).flatMap((n) => (n.kind === 'approval_request' ? [n.target] : []));
    expect(targets).toEqual(['UOPS1', 'UOPS2']);
  });

  it('request_invalidInput_returnsProblemsAndStoresNothing', async () => {
    h = createHarness();
    const result = await h.workflow.request(h.input({ vm: 'nope', duration: 'soon' }));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((p) => p.field).sort()).toEqual(['duration', 'vm']);
    expect(await h.store.listRequests({})).toEqual([]);
    expect(await h.notifications()).toEqual([]);
  });

  it('request_ruleApproves_opensAtOnce', async () => {
    h = createHarness({ policy: policyOf({ rules: [{ name: 'auto', match: { vms: ['web-*'] }, effect: 'approve', reason: 'staging is open' }] }) });
    const result = await h.workflow.request(h.input());
    expect(result.ok && result.request.state).toBe('active');
    const request = (result as { request: AccessRequest }).request;
    expect(h.backend.isOpen(request.id)).toBe(true);
    expect(request.endAt! - request.startAt!).toBe(2 * 3600_000);
    expect((await h.store.auditEvents(request.id)).map((e) => e.name)).toEqual(['request.created', 'request.approved', 'grant.opened']);
  });

  it('request_ruleDenies_isDeniedWithTheReason', async () => {
    h = createHarness({ policy: policyOf({ rules: [{ name: 'no-prod', match: {}, effect: 'deny', reason: 'prod is frozen' }] }) });
    const result = await h.workflow.request(h.input());
    expect(result.ok && [result.request.state, result.request.reason]).toEqual(['denied', 'prod is frozen']);
    expect(h.backend.calls.filter((c) => c.op === 'open')).toEqual([]);
  });

  it('request_onlyApproverIsTheRequester_isDeniedInsteadOfWaiting', async () => {
    h = createHarness({ policy: policyOf({ approvers: ['UREQ'] }) });
    const result = await h.workflow.request(h.input());
    expect(result.ok && result.request.state).toBe('denied');
    expect(result.ok && result.request.reason).toMatch(/nobody other than the requester may approve it/);
  });
});

describe('approve and deny', () => {
  it('approve_byApprover_opensThePortWithAuditTrail', async () => {
    h = createHarness();
    const request = await pending(h);
    const result = await h.workflow.approve(request.id, 'UAPPROVER1');
    expect(result.outcome).toBe('approved');
    expect(result.request.state).toBe('active');
    expect(h.backend.isOpen(request.id)).toBe(true);
    expect((await h.store.auditEvents(request.id)).map((e) => [e.name, e.actor])).toEqual([
      ['request.created', 'UREQ'],
      ['request.approved', 'UAPPROVER1'],
      ['grant.opened', 'system'],
    ]);
    expect((await h.notifications()).some((n) => n.kind === 'approval_update' && n.request.state === 'approved')).toBe(true);
  });

  it('approve_byRequester_isRefusedAndChangesNothing', async () => {
    h = createHarness({ policy: policyOf({ approvers: ['UREQ', 'UAPPROVER1'] }) });
    const request = await pending(h);
    expect(await refusal(h.workflow.approve(request.id, 'UREQ'))).toMatch(/cannot approve your own request/);
    expect(await h.store.getRequest(request.id)).toEqual(request);
  });

  it('approve_byNonApprover_isRefusedAndChangesNothing', async () => {
    h = createHarness();
    const request = await pending(h);
    expect(await refusal(h.workflow.approve(request.id, 'USTRANGER'))).toMatch(/^jit_not_approver: .*not an approver/);
    expect(await h.store.getRequest(request.id)).toEqual(request);
    expect(h.backend.isOpen(request.id)).toBe(false);
  });

  it('approve_whenAlreadyDecided_isRefusedNamingTheOutcome', async () => {
    h = createHarness();
    const request = await pending(h);
    await h.workflow.deny(request.id, 'UAPPROVER2');
    expect(await refusal(h.workflow.approve(request.id, 'UAPPROVER1'))).toMatch(/^jit_wrong_state: .*already denied \(by <@UAPPROVER2>\)/);
    expect(h.backend.isOpen(request.id)).toBe(false);
  });

  it('approve_fiftyConcurrentClicks_giveOneGrant', async () => {
    h = createHarness({ policy: policyOf({ approvers: Array.from({ length: 50 }, (_, i) => `UAPP${i}`) }) });
    const request = await pending(h);
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => h.workflow.approve(request.id, `UAPP${i}`)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(h.backend.calls.filter((c) => c.op === 'open')).toHaveLength(1);
    expect((await h.store.auditEvents(request.id)).filter((e) => e.name === 'request.approved')).toHaveLength(1);
  });

  it('approve_withQuorumOfTwo_needsTwoDistinctApprovers', async () => {
    h = createHarness({ policy: policyOf({ rules: [{ name: 'prod', match: {}, effect: 'require_approval', approvals: 2 }] }) });
    const request = await pending(h);
    expect((await h.workflow.approve(request.id, 'UAPPROVER1')).outcome).toBe('approval_added');
    expect(await refusal(h.workflow.approve(request.id, 'UAPPROVER1'))).toMatch(/already approved/);
    expect(h.backend.isOpen(request.id)).toBe(false);
    expect((await h.workflow.approve(request.id, 'UAPPROVER2')).outcome).toBe('approved');
    expect(h.backend.isOpen(request.id)).toBe(true);
  });

  it('deny_byApprover_endsTheRequest', async () => {
    h = createHarness();
    const request = await pending(h);
    const result = await h.workflow.deny(request.id, 'UAPPROVER1');
    expect([result.outcome, result.request.state, result.request.decidedBy]).toEqual(['denied', 'denied', 'UAPPROVER1']);
  });

  it('deny_byRequester_pointsToCancel', async () => {
    h = createHarness();
    const request = await pending(h);
    expect(await refusal(h.workflow.deny(request.id, 'UREQ'))).toMatch(/\/jit cancel/);
  });

  it('approve_unknownRequest_saysSo', async () => {
    h = createHarness();
    expect(await refusal(h.workflow.approve('zzzzzz', 'UAPPROVER1'))).toMatch(/^jit_not_found: There is no request #zzzzzz/);
  });
});

describe('firewall failures', () => {
  it('approve_whenOpenFails_marksFailedAndClosesAnyPartialRule', async () => {
    h = createHarness();
    const request = await pending(h);
    h.backend.failNext('open', 'nft: permission denied');
    const result = await h.workflow.approve(request.id, 'UAPPROVER1');
    expect(result.request.state).toBe('failed');
    expect(result.request.reason).toMatch(/nft: permission denied/);
    expect(h.backend.calls.map((c) => c.op)).toEqual(['open', 'close']);
    expect((await h.store.auditEvents(request.id)).map((e) => e.name)).toContain('grant.open_failed');
    expect((await h.notifications()).some((n) => n.kind === 'requester_dm' && n.event === 'grant.open_failed')).toBe(true);
  });

  it('expire_whenCloseFails_staysClosingUntilTheBackendConfirms', async () => {
    h = createHarness();
    const request = await pending(h);
    await h.workflow.approve(request.id, 'UAPPROVER1');
    h.clock.advance(2 * 3600_000);
    h.backend.failNext('close', 'backend unreachable', 2);
    expect((await h.workflow.expire(request.id))?.state).toBe('closing');
    expect(h.backend.isOpen(request.id)).toBe(true);
    await h.workflow.sweep();
    expect((await h.store.getRequest(request.id))?.state).toBe('closing');
    const report = await h.workflow.sweep();
    expect(report.closed).toBe(1);
    expect((await h.store.getRequest(request.id))?.state).toBe('closed');
    expect(h.backend.isOpen(request.id)).toBe(false);
    expect((await h.store.auditEvents(request.id)).filter((e) => e.name === 'grant.close_failed')).toHaveLength(2);
  });
});

describe('close retries', () => {
  it('closeFailingRepeatedly_backsOffAndAlertsOnTheThirdAttempt', async () => {
    h = createHarness();
    const delays: number[] = [];
    h.ctx.listener.retryClose = (_request, delayMs) => delays.push(delayMs);
    const request = await pending(h);
    await h.workflow.approve(request.id, 'UAPPROVER1');
    h.clock.advance(2 * 3600_000);
    h.backend.failNext('close', 'firewall down', 4);
    for (let i = 0; i < 4; i++) await h.workflow.expire(request.id);
    expect(delays).toEqual([1000, 2000, 4000, 8000]);
    const alerts = (await h.notifications()).filter((n) => n.kind === 'alert');
    expect(alerts).toHaveLength(1);
    expect(asGrant(alerts[0]!.request).closeAttempts).toBe(3);
    expect((await h.store.getRequest(request.id))?.state).toBe('closing');
    expect((await h.workflow.expire(request.id))?.state).toBe('closed');
  });
});

describe('expiry, cancel, revoke', () => {
  it('expire_beforeEndTime_doesNothing', async () => {
    h = createHarness();
    const request = await pending(h);
    await h.workflow.approve(request.id, 'UAPPROVER1');
    h.clock.advance(2 * 3600_000 - 1);
    expect((await h.workflow.expire(request.id))?.state).toBe('active');
    h.clock.advance(1);
    expect((await h.workflow.expire(request.id))?.state).toBe('closed');
    expect(h.backend.isOpen(request.id)).toBe(false);
  });

  it('sweep_closesExpiredGrantsAndTimesOutStalePendingRequests', async () => {
    h = createHarness();
    const open = await pending(h);
    await h.workflow.approve(open.id, 'UAPPROVER1');
    const stale = await pending(h, { requester: 'UOTHER' });
    h.clock.advance(2 * 3600_000);
    const report = await h.workflow.sweep();
    expect(report).toMatchObject({ closed: 1, timedOut: 1 });
    expect((await h.store.getRequest(open.id))?.state).toBe('closed');
    expect((await h.store.getRequest(stale.id))?.state).toBe('timed_out');
  });

  it('sweep_resumesARequestACrashLeftApproved', async () => {
    h = createHarness();
    const request = await pending(h);
    // The crash: approval committed, the process died before the firewall call.
    const approved = await h.store.transition(
      { id: request.id, state: 'pending', version: request.version },
      { ...request, state: 'approved', approvals: ['UAPPROVER1'] },
      [],
      [],
    );
    expect(approved?.state).toBe('approved');
    const report = await h.workflow.sweep();
    expect(report.resumed).toBe(1);
    expect((await h.store.getRequest(request.id))?.state).toBe('active');
    expect(h.backend.isOpen(request.id)).toBe(true);
  });

  it('cancel_byRequester_cancelsPending', async () => {
    h = createHarness();
    const request = await pending(h);
    expect((await h.workflow.cancel(request.id, 'UREQ')).state).toBe('cancelled');
    expect(await refusal(h.workflow.approve(request.id, 'UAPPROVER1'))).toMatch(/already cancelled/);
  });

  it('cancel_bySomeoneElse_isRefused', async () => {
    h = createHarness();
    const request = await pending(h);
    expect(await refusal(h.workflow.cancel(request.id, 'UAPPROVER1'))).toMatch(/Only the requester can cancel/);
  });

  it('revoke_byRequester_closesAtOnce', async () => {
    h = createHarness();
    const request = await pending(h);
    await h.workflow.approve(request.id, 'UAPPROVER1');
    const revoked = await h.workflow.revoke(request.id, 'UREQ');
    expect([revoked.state, revoked.reason, revoked.decidedBy]).toEqual(['closed', 'revoked', 'UREQ']);
    expect(h.backend.isOpen(request.id)).toBe(false);
  });

  it('revoke_byApprover_isAllowed_byStranger_isRefused', async () => {
    h = createHarness();
    const request = await pending(h);
    await h.workflow.approve(request.id, 'UAPPROVER1');
    expect(await refusal(h.workflow.revoke(request.id, 'USTRANGER'))).toMatch(/Only the requester or an approver/);
    expect(h.backend.isOpen(request.id)).toBe(true);
    expect((await h.workflow.revoke(request.id, 'UAPPROVER2')).state).toBe('closed');
  });

  it('revoke_racingExpiry_closesOnce', async () => {
    h = createHarness();
    const request = await pending(h);
    await h.workflow.approve(request.id, 'UAPPROVER1');
    h.clock.advance(2 * 3600_000);
    const [revoked, expired] = await Promise.allSettled([h.workflow.revoke(request.id, 'UREQ'), h.workflow.expire(request.id)]);
    expect([revoked.status, expired.status]).toContain('fulfilled');
    expect((await h.store.getRequest(request.id))?.state).toBe('closed');
    expect((await h.store.auditEvents(request.id)).filter((e) => e.name === 'grant.closed')).toHaveLength(1);
    expect(h.backend.calls.filter((c) => c.op === 'close')).toHaveLength(1);
  });

  it('close_afterPolicyDropsTheVm_stillClosesWhatWasOpened', async () => {
    h = createHarness();
    const request = await pending(h);
    await h.workflow.approve(request.id, 'UAPPROVER1');
    h.setPolicy(policyOf({ vms: [vm('db-1', { ports: [port(5432)] })] }));
    h.clock.advance(2 * 3600_000);
    expect((await h.workflow.expire(request.id))?.state).toBe('closed');
    expect(h.backend.isOpen(request.id)).toBe(false);
  });
});
