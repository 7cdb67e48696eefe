import { afterEach, describe, expect, it } from 'vitest';
import type { AccessRequest, Rule } from '../../src/domain/types.js';
import { refusal, createHarness, policyOf, port, vm, type Harness } from '../support/workflow-harness.js';

let h: Harness;
afterEach(() => h?.cleanup());

const HOUR = 3600_000;
const SHORT: Rule = { name: 'short', match: { vms: ['web-*'], maxDurationSeconds: 2 * 3600 }, effect: 'approve', reason: 'short web access is automatic' };
const AUTO: Rule = { name: 'auto', match: { vms: ['web-*'] }, effect: 'approve', reason: 'web is open' };

function harness(options: { maxHours?: number; rules?: Rule[] } = {}): Harness {
  const ports = [port(22, { maxDurationSeconds: (options.maxHours ?? 6) * 3600 })];
  return createHarness({ policy: policyOf({ vms: [vm('web-1', { ports })], rules: options.rules ?? [SHORT] }) });
}

async function active(harness: Harness, duration = '2h'): Promise<AccessRequest> {
  const result = await harness.workflow.request(harness.input({ duration }));
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  expect(result.request.state).toBe('active');
  return result.request;
}

/** Asks for more time and expects it to wait for approval; resolves with the pending extension. */
async function pendingExtension(harness: Harness, id: string, duration?: string): Promise<AccessRequest> {
  const result = await harness.workflow.extend(id, 'UREQ', duration === undefined ? {} : { duration });
  if (result.outcome !== 'pending') throw new Error(`expected a pending extension, got ${result.outcome}`);
  return result.extension;
}

const events = async (harness: Harness, id: string) => (await harness.store.auditEvents(id)).map((e) => e.name);

describe('extensions that need approval', () => {
  it('extend_ruleRequiresApproval_createsAPendingExtensionAndAsksTheApprovers', async () => {
    h = harness();
    const request = await active(h);

    const extension = await pendingExtension(h, request.id);

    expect(extension).toMatchObject({
      state: 'pending',
      extends: request.id,
      requester: 'UREQ',
      vm: 'web-1',
      ports: request.ports,
      source: request.source,
      durationSeconds: 2 * 3600,
      extensionTotalSeconds: 4 * 3600,
      target: request.target,
      decision: { effect: 'require_approval', approvalsNeeded: 1, approvers: ['UAPPROVER1', 'UAPPROVER2'] },
    });
    expect(await h.store.getRequest(request.id)).toEqual(request);
    expect(h.backend.endOf(request.id)).toBe(request.endAt);
    const notes = (await h.notifications()).filter((n) => 'request' in n && n.request.id === extension.id).map((n) => n.kind);
    expect(notes).toEqual(['audit', 'requester_dm', 'approval_request', 'approval_request']);
  });

  it('approve_pendingExtension_extendsTheOriginalAndClosesTheExtension', async () => {
    h = harness();
    const activated: AccessRequest[] = [];
    h.ctx.listener.activated = (r) => activated.push(r);
    const request = await active(h);
    h.clock.advance(30 * 60_000);
    const extension = await pendingExtension(h, request.id);

    const result = await h.workflow.approve(extension.id, 'UAPPROVER1');

    const newEnd = request.startAt! + 4 * HOUR;
    expect(result.outcome).toBe('approved');
    expect(result.request).toMatchObject({ id: extension.id, state: 'closed', reason: `applied to #${request.id}` });
    expect(await h.store.getRequest(request.id)).toMatchObject({ state: 'active', endAt: newEnd, extensions: 1, appliedExtensions: [extension.id] });
    expect(h.backend.endOf(request.id)).toBe(newEnd);
    expect(h.backend.isOpen(extension.id)).toBe(false);
    expect(activated.at(-1)?.endAt).toBe(newEnd);
    const extended = (await h.store.auditEvents(request.id)).filter((e) => e.name === 'grant.extended');
    expect(extended).toEqual([
      expect.objectContaining({ actor: 'UAPPROVER1', detail: `2h more, 4h in all from the original start; approved by @UAPPROVER1 in #${extension.id}` }),
    ]);
    expect(await events(h, extension.id)).toEqual(['request.created', 'request.approved', 'extension.applied']);
    // The requester hears of the new end, with the grant's buttons.
    expect((await h.notifications()).some((n) => n.kind === 'requester_dm' && n.event === 'grant.extended' && n.request.id === request.id)).toBe(true);
  });

  it('extend_pastThePortMaxWhereTheRulesApprove_needsOneApprovalFromThePolicyApprovers', async () => {
    h = harness({ maxHours: 3, rules: [AUTO] });
    const request = await active(h, '3h');

    const extension = await pendingExtension(h, request.id, '1h');

    expect(extension.decision).toMatchObject({
      effect: 'require_approval',
      approvalsNeeded: 1,
      approvers: ['UAPPROVER1', 'UAPPROVER2'],
      reasons: ['web is open', '4h in all passes the port maximum of 3h from the original start'],
    });
    await h.workflow.approve(extension.id, 'UAPPROVER2');
    expect(h.backend.endOf(request.id)).toBe(request.startAt! + 4 * HOUR);
  });

  it('deny_pendingExtension_leavesTheOriginalUnchanged', async () => {
    h = harness();
    const request = await active(h);
    const extension = await pendingExtension(h, request.id);

    const result = await h.workflow.deny(extension.id, 'UAPPROVER1', 'not today');

    expect(result.request).toMatchObject({ state: 'denied', reason: 'not today' });
    expect(await h.store.getRequest(request.id)).toEqual(request);
    expect(h.backend.endOf(request.id)).toBe(request.endAt);
    // Denied, it no longer blocks asking again.
    expect((await h.workflow.extend(request.id, 'UREQ')).outcome).toBe('pending');
  });

  it('revoke_originalWhileItsExtensionIsPending_cancelsTheExtension', async () => {
    h = harness();
    const request = await active(h);
    const extension = await pendingExtension(h, request.id);

    await h.workflow.revoke(request.id, 'UREQ');

    expect(await h.store.getRequest(extension.id)).toMatchObject({
      state: 'cancelled',
      decidedBy: 'system',
      reason: `#${request.id} was revoked before the extension was decided`,
    });
    expect(await refusal(h.workflow.approve(extension.id, 'UAPPROVER1'))).toMatch(/^jit_wrong_state: Request #\w+ was not changed: it is already cancelled/);
    expect(h.backend.isOpen(request.id)).toBe(false);
  });

  it('expiry_ofTheOriginalWhileItsExtensionIsPending_cancelsTheExtension', async () => {
    h = harness();
    const request = await active(h);
    const extension = await pendingExtension(h, request.id);
    h.clock.advance(2 * HOUR);

    // The grant's own timer (the sweep would first time out the extension, whose wait is shorter).
    await h.workflow.expire(request.id);

    expect((await h.store.getRequest(request.id))?.state).toBe('closed');
    expect(await h.store.getRequest(extension.id)).toMatchObject({ state: 'cancelled', reason: `#${request.id} was expired before the extension was decided` });
  });

  it('approve_afterTheOriginalClosedBehindItsBack_failsTheExtensionCleanly', async () => {
    h = harness();
    const request = await active(h);
    const extension = await pendingExtension(h, request.id);
    // Another process closed the original without cancelling the extension (a race the CAS lets through).
    const original = (await h.store.getRequest(request.id))!;
    await h.store.transition({ id: original.id, state: 'active', version: original.version }, { ...original, state: 'closed' }, [], []);

    const result = await h.workflow.approve(extension.id, 'UAPPROVER1');

    expect(result.request).toMatchObject({
      state: 'failed',
      reason: expect.stringMatching(new RegExp(`^#${request.id} is closed, no longer open, so there was nothing left to extend`)),
    });
    expect(h.backend.calls.filter((c) => c.op === 'extend')).toEqual([]);
    expect(await events(h, extension.id)).toEqual(['request.created', 'request.approved', 'extension.failed']);
    expect((await h.notifications()).some((n) => n.kind === 'requester_dm' && n.event === 'extension.failed')).toBe(true);
  });

  it('approve_whenTheFirewallRefusesTheExtension_failsItAndTheEndStays', async () => {
    h = harness();
    const request = await active(h);
    const extension = await pendingExtension(h, request.id);
    h.backend.failNext('extend', 'grant is not open');

    const result = await h.workflow.approve(extension.id, 'UAPPROVER1');

    expect(result.request).toMatchObject({ state: 'failed', reason: expect.stringMatching(/the firewall could not extend #\w+; its access still ends at/) });
    expect((await h.store.getRequest(request.id))?.endAt).toBe(request.endAt);
  });

  it('extend_whileAnExtensionIsPending_isToldSo', async () => {
    h = harness();
    const request = await active(h);
    const extension = await pendingExtension(h, request.id);

    const message = await refusal(h.workflow.extend(request.id, 'UREQ', { expectedEndAt: request.endAt! }));

    expect(message).toBe(
      `jit_wrong_state: Request #${request.id} already has an extension waiting for approval: #${extension.id} (2h more). Wait for its decision, or withdraw it with \`/jit cancel ${extension.id}\` and ask again.`,
    );
    // Even one the rules would approve at once waits: approvers must see the end they approve.
    expect(await refusal(h.workflow.extend(request.id, 'UREQ', { duration: '1m' }))).toMatch(/already has an extension waiting/);
    expect(await h.store.listRequests({ extends: request.id })).toHaveLength(1);
  });

  it('extend_tenConcurrentClicks_createOnePendingExtension', async () => {
    h = harness();
    const request = await active(h);
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => h.workflow.extend(request.id, 'UREQ', { expectedEndAt: request.endAt! })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await h.store.listRequests({ extends: request.id })).toHaveLength(1);
  });

  it('approve_twentyConcurrentClicks_extendOnce', async () => {
    h = harness();
    const request = await active(h);
    const extension = await pendingExtension(h, request.id);

    const clicks = Array.from({ length: 20 }, (_, i) => h.workflow.approve(extension.id, i % 2 === 0 ? 'UAPPROVER1' : 'UAPPROVER2'));
    const results = await Promise.allSettled(clicks);

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(h.backend.calls.filter((c) => c.op === 'extend')).toHaveLength(1);
    expect((await h.store.auditEvents(request.id)).filter((e) => e.name === 'grant.extended')).toHaveLength(1);
    expect((await h.store.getRequest(request.id))?.endAt).toBe(request.endAt! + 2 * HOUR);
    expect((await h.store.getRequest(extension.id))?.state).toBe('closed');
  });

  it('sweep_approvedExtensionLeftByACrash_isAppliedOnce', async () => {
    h = harness();
    const request = await active(h);
    const extension = await pendingExtension(h, request.id);
    // A crash after the approval was stored, before it was applied.
    await h.store.transition(
      { id: extension.id, state: 'pending', version: extension.version },
      { ...extension, state: 'approved', approvals: ['UAPPROVER1'], decidedBy: 'UAPPROVER1' },
      [],
      [],
    );

    await h.workflow.sweep();
    await h.workflow.sweep();

    expect((await h.store.getRequest(extension.id))?.state).toBe('closed');
    expect((await h.store.getRequest(request.id))?.endAt).toBe(request.endAt! + 2 * HOUR);
    expect(h.backend.isOpen(extension.id)).toBe(false);
  });

  it('timeout_ofAPendingExtension_leavesTheOriginalAndAllowsAskingAgain', async () => {
    h = harness();
    const request = await active(h, '2h');
    const extension = await pendingExtension(h, request.id, '30m');
    h.clock.advance(31 * 60_000);
    await h.workflow.sweep();
    expect((await h.store.getRequest(extension.id))?.state).toBe('timed_out');
    expect((await h.store.getRequest(request.id))?.endAt).toBe(request.endAt);
    expect((await h.workflow.extend(request.id, 'UREQ', { duration: '30m' })).outcome).toBe('pending');
  });
});
