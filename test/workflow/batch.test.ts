import { afterEach, describe, expect, it } from 'vitest';
import { JitError } from '../../src/domain/errors.js';
import type { AccessRequest, Rule } from '../../src/domain/types.js';
import type { CreateResult } from '../../src/workflow/create-request.js';
import { requestIdOf } from '../../src/ports/notifier.js';
import { refusal, createHarness, policyOf, port, vm, type Harness } from '../support/workflow-harness.js';
import { asGrant } from '../support/request-overrides.js';

let h: Harness;
afterEach(() => h?.cleanup());

const VMS = [
  vm('web-1', { ports: [port(22), port(3389, { anySource: false, allowedSourcePrefixes: ['198.51.100.0/24'] })] }),
  vm('db-1', { address: '10.0.0.5', ports: [port(5432)] }),
  vm('cache-1', { address: '10.0.0.6', ports: [port(6379)] }),
];

function harness(rules: Rule[] = [], approvers = ['UAPPROVER1', 'UAPPROVER2']): Harness {
  return createHarness({ policy: policyOf({ vms: VMS, rules, approvers }) });
}

function batchOf(result: CreateResult): AccessRequest[] {
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  if (!result.batch) throw new Error('not a batch');
  return result.batch;
}

async function requestBatch(harness: Harness, overrides = {}): Promise<AccessRequest[]> {
  return batchOf(await harness.workflow.request(harness.input({ vm: 'web-1,db-1', ports: '22,5432', ...overrides })));
}

const state = async (harness: Harness, id: string) => (await harness.workflow.get(id)).state;

describe('a request for several VMs', () => {
  it('request_twoVms_becomesOneRequestPerVmWithTheirOwnPortsAndTheLeadersBatchId', async () => {
    h = harness();
    const [web, db] = await requestBatch(h);
    expect([web!.vm, web!.ports.map((p) => p.number), db!.vm, db!.ports.map((p) => p.number)]).toEqual(['web-1', [22], 'db-1', [5432]]);
    expect(web!.id).not.toBe(db!.id);
    expect([asGrant(web).batchId, asGrant(db).batchId]).toEqual([web!.id, web!.id]);
    expect((await h.workflow.batchMembers(web!.id)).map((m) => m.id)).toEqual([web!.id, db!.id]);
    expect((await h.store.auditEvents(db!.id)).map((e) => e.name)).toEqual(['request.created']);
  });

  it('request_pendingBatch_asksEachApproverOnceForAllAndTellsTheRequesterOnce', async () => {
    h = harness();
    const [web] = await requestBatch(h);
    const kinds = (await h.notifications()).map(
      (n) => `${n.kind}${n.kind === 'approval_request' ? `:${n.target}` : ''}@${requestIdOf(n) === web!.id ? 'leader' : 'member'}`,
    );
    expect(kinds).toEqual(['audit@leader', 'requester_dm@leader', 'approval_request:UAPPROVER1@leader', 'approval_request:UAPPROVER2@leader', 'audit@member']);
  });

  it('request_unknownAndDuplicateVms_areAllReportedAndNothingIsStored', async () => {
    h = harness();
    const result = await h.workflow.request(h.input({ vm: 'web-1,nope,WEB-1', ports: '22' }));
    expect(!result.ok && result.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/There is no VM called "nope"/),
      'VM WEB-1 is listed twice: list each VM once.',
    ]);
    expect(await h.store.listRequests({})).toEqual([]);
  });

  it('request_portNoVmHasAndVmWithNoneOfThePorts_areErrorsNamingThem', async () => {
    h = harness();
    const result = await h.workflow.request(h.input({ vm: 'web-1,db-1', ports: '22,6379' }));
    expect(!result.ok && result.problems.map((p) => p.message)).toEqual([
      'db-1 has none of the ports 22, 6379: it offers 5432.',
      'Port 6379 is not open to requests on any of web-1, db-1: leave it out or add a VM that has it.',
    ]);
    expect(await h.store.listRequests({})).toEqual([]);
  });

  it('request_oneVmsPartInvalid_reportsItPrefixedWithTheVmAndStoresNothing', async () => {
    h = harness();
    const result = await h.workflow.request(h.input({ vm: 'web-1,db-1', ports: '3389,5432', source: '203.0.113.7' }));
    expect(!result.ok && result.problems).toEqual([
      { field: 'source', message: expect.stringMatching(/^web-1: 203\.0\.113\.7\/32 is outside what port 3389/) },
    ]);
    expect(await h.store.listRequests({})).toEqual([]);
    expect(await h.notifications()).toEqual([]);
  });

  it('request_elevenVms_isRefused', async () => {
    h = createHarness({ policy: policyOf({ vms: Array.from({ length: 11 }, (_, i) => vm(`vm-${i}`)) }) });
    const result = await h.workflow.request(h.input({ vm: Array.from({ length: 11 }, (_, i) => `vm-${i}`).join(','), ports: '22' }));
    expect(!result.ok && result.problems.map((p) => p.message)).toEqual(['11 VMs is too many for one request: ask for at most 10 at a time.']);
  });

  it('request_storeFailsOnTheSecondMember_storesNothingAtAll', async () => {
    h = harness();
    const real = h.store.insertRequests.bind(h.store);
    // The second member's audit event names a request that does not exist: the foreign key fails mid-batch.
    h.store.insertRequests = (items) => real(items.map((item, i) => (i === 1 ? { ...item, events: [{ ...item.events[0]!, requestId: 'zzz999' }] } : item)));
    expect(await refusal(h.workflow.request(h.input({ vm: 'web-1,db-1', ports: '22,5432' })))).toMatch(/^jit_store_failed/);
    expect(await h.store.listRequests({})).toEqual([]);
    expect(await h.store.auditEvents()).toEqual([]);
    expect(await h.notifications()).toEqual([]);
  });

  it('request_idCollision_isRetriedWithFreshIds', async () => {
    h = harness();
    const real = h.store.insertRequests.bind(h.store);
    const tried: string[][] = [];
    h.store.insertRequests = (items) => {
      tried.push(items.map((item) => item.request.id));
      if (tried.length === 1) throw new JitError('jit_store_failed', 'request id already exists', { cause: 'duplicate_id' });
      return real(items);
    };
    const members = await requestBatch(h);
    expect(tried).toHaveLength(2);
    expect(members.map((m) => m.id)).toEqual(tried[1]);
    expect(tried[1]).not.toEqual(tried[0]);
  });

  it('request_mixedDecisions_opensTheApprovedVmAtOnceAndAsksForTheOther', async () => {
    h = harness([{ name: 'web-auto', match: { vms: ['web-*'] }, effect: 'approve' }]);
    const [web, db] = await requestBatch(h);
    expect([web!.state, db!.state]).toEqual(['active', 'pending']);
    expect(h.backend.isOpen(web!.id)).toBe(true);
    expect(h.backend.isOpen(db!.id)).toBe(false);
    const approvals = (await h.notifications()).filter((n) => n.kind === 'approval_request');
    expect(approvals.map((n) => [n.request.id, n.kind === 'approval_request' && n.target])).toEqual([
      [web!.id, 'UAPPROVER1'],
      [web!.id, 'UAPPROVER2'],
    ]);
  });

  it('request_oneVmDenied_deniesTheWholeBatchAtOnce', async () => {
    h = harness([
      { name: 'db-frozen', match: { vms: ['db-*'] }, effect: 'deny', reason: 'databases are frozen' },
      { name: 'web-auto', match: { vms: ['web-*'] }, effect: 'approve' },
    ]);
    const [web, db] = await requestBatch(h);
    expect([web!.state, db!.state]).toEqual(['denied', 'denied']);
    expect(db!.reason).toBe('databases are frozen');
    expect(web!.reason).toBe('denied with db-1: databases are frozen');
    expect(h.backend.calls.filter((c) => c.op === 'open')).toEqual([]);
    expect((await h.notifications()).filter((n) => n.kind === 'approval_request')).toEqual([]);
  });

  it('request_breakGlassBesideADeniedVm_isDeniedWithoutAnAlert', async () => {
    h = harness([
      { name: 'db-frozen', match: { vms: ['db-*'] }, effect: 'deny' },
      { name: 'web-glass', match: { vms: ['web-*'] }, effect: 'break_glass' },
    ]);
    const [web] = await requestBatch(h, { justification: 'outage' });
    expect(web!.state).toBe('denied');
    expect((await h.store.auditEvents(web!.id)).map((e) => [e.name, e.actor])).toEqual([
      ['request.created', 'UREQ'],
      ['request.denied', 'system'],
    ]);
    expect((await h.notifications()).filter((n) => n.kind === 'break_glass')).toEqual([]);
  });

  it('request_breakGlassAndPending_opensTheBreakGlassVmWithItsAlert', async () => {
    h = harness([{ name: 'web-glass', match: { vms: ['web-*'] }, effect: 'break_glass' }]);
    const [web, db] = await requestBatch(h, { justification: 'outage' });
    expect([web!.state, db!.state]).toEqual(['active', 'pending']);
    expect((await h.notifications()).filter((n) => n.kind === 'break_glass').map((n) => n.request.id)).toEqual([web!.id]);
  });
});

describe('deciding a batch', () => {
  it('approve_leaderId_approvesAndOpensEveryMemberWithOneClick', async () => {
    h = harness();
    const [web, db] = await requestBatch(h);
    const result = await h.workflow.approve(web!.id, 'UAPPROVER1');
    expect(result.outcome).toBe('approved');
    expect(result.members?.map((m) => m.request.state)).toEqual(['active', 'active']);
    expect([h.backend.isOpen(web!.id), h.backend.isOpen(db!.id)]).toEqual([true, true]);
    expect((await h.store.auditEvents(db!.id)).map((e) => [e.name, e.actor])).toEqual([
      ['request.created', 'UREQ'],
      ['request.approved', 'UAPPROVER1'],
      ['grant.opened', 'system'],
    ]);
    expect((await h.notifications()).filter((n) => n.kind === 'approval_update').map((n) => n.request.id)).toEqual([web!.id, db!.id]);
  });

  it('approve_quorumCountsPerMember_andTheRequesterNeverCounts', async () => {
    h = harness([{ name: 'db-two', match: { vms: ['db-*'] }, effect: 'require_approval', approvals: 2 }], ['UREQ', 'UAPPROVER1', 'UAPPROVER2']);
    const [web, db] = await requestBatch(h);
    expect(await refusal(h.workflow.approve(web!.id, 'UREQ'))).toMatch(/cannot approve your own request/);
    const first = await h.workflow.approve(web!.id, 'UAPPROVER1');
    expect(first.members?.map((m) => m.outcome)).toEqual(['approved', 'approval_added']);
    expect([await state(h, web!.id), await state(h, db!.id)]).toEqual(['active', 'pending']);
    expect(await refusal(h.workflow.approve(web!.id, 'UAPPROVER1'))).toMatch(/already approved/);
    await h.workflow.approve(web!.id, 'UAPPROVER2');
    expect(await state(h, db!.id)).toBe('active');
    expect((await h.workflow.get(db!.id)).approvals).toEqual(['UAPPROVER1', 'UAPPROVER2']);
  });

  it('approve_clickerMayApproveOnlySomeMembers_approvesThoseAndLeavesTheRest', async () => {
    h = harness([{ name: 'db-dba', match: { vms: ['db-*'] }, effect: 'require_approval', approvers: ['UDBA'] }]);
    const [web, db] = await requestBatch(h);
    expect(new Set((await h.notifications()).flatMap((n) => (n.kind === 'approval_request' ? [n.target] : [])))).toEqual(
      new Set(['UAPPROVER1', 'UAPPROVER2', 'UDBA']),
    );
    expect((await h.workflow.approve(web!.id, 'UAPPROVER1')).members).toHaveLength(1);
    expect([await state(h, web!.id), await state(h, db!.id)]).toEqual(['active', 'pending']);
    expect(await refusal(h.workflow.approve(web!.id, 'USTRANGER'))).toMatch(/not an approver/);
    await h.workflow.approve(web!.id, 'UDBA');
    expect(await state(h, db!.id)).toBe('active');
  });

  it('deny_leaderId_deniesEveryPendingMember', async () => {
    h = harness();
    const [web, db] = await requestBatch(h);
    const result = await h.workflow.deny(web!.id, 'UAPPROVER2');
    expect(result.outcome).toBe('denied');
    expect([await state(h, web!.id), await state(h, db!.id)]).toEqual(['denied', 'denied']);
    expect(await refusal(h.workflow.approve(web!.id, 'UAPPROVER1'))).toMatch(/already denied/);
  });

  it('revoke_oneMember_closesOnlyItsGrant', async () => {
    h = harness();
    const [web, db] = await requestBatch(h);
    await h.workflow.approve(web!.id, 'UAPPROVER1');
    const revoked = await h.workflow.revoke(web!.id, 'UREQ');
    expect(revoked.state).toBe('closed');
    expect([h.backend.isOpen(web!.id), h.backend.isOpen(db!.id)]).toEqual([false, true]);
    expect(await state(h, db!.id)).toBe('active');
  });

  it('cancel_leaderId_cancelsEveryPendingMember_otherIdJustItself', async () => {
    h = harness([{ name: 'web-auto', match: { vms: ['web-*'] }, effect: 'approve' }]);
    const three = batchOf(await h.workflow.request(h.input({ vm: 'web-1,db-1,cache-1', ports: '22,5432,6379' })));
    expect(three.map((m) => m.state)).toEqual(['active', 'pending', 'pending']);
    expect(await refusal(h.workflow.cancelAll(three[0]!.id, 'USTRANGER'))).toMatch(/Only the requester/);
    const cancelled = await h.workflow.cancelAll(three[0]!.id, 'UREQ');
    expect(cancelled.map((m) => m.id)).toEqual([three[1]!.id, three[2]!.id]);
    expect(await state(h, three[0]!.id)).toBe('active');

    h.cleanup();
    h = harness();
    const [web, db, cache] = batchOf(await h.workflow.request(h.input({ vm: 'web-1,db-1,cache-1', ports: '22,5432,6379' })));
    await h.workflow.cancel(db!.id, 'UREQ');
    expect([await state(h, web!.id), await state(h, db!.id), await state(h, cache!.id)]).toEqual(['pending', 'cancelled', 'pending']);
    await h.workflow.cancel(web!.id, 'UREQ');
    expect([await state(h, web!.id), await state(h, cache!.id)]).toEqual(['cancelled', 'cancelled']);
  });

  it('sweep_remindsABatchOnce_andTimesOutEachMember', async () => {
    h = harness();
    const [web, db] = await requestBatch(h);
    h.clock.advance(16 * 60_000);
    expect((await h.workflow.sweep()).reminded).toBe(2);
    expect((await h.notifications()).filter((n) => n.kind === 'approval_reminder').map((n) => n.request.id)).toEqual([web!.id]);
    h.clock.advance(15 * 60_000);
    expect((await h.workflow.sweep()).timedOut).toBe(2);
    expect([await state(h, web!.id), await state(h, db!.id)]).toEqual(['timed_out', 'timed_out']);
  });
});
