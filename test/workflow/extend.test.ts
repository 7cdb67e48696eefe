import { afterEach, describe, expect, it } from 'vitest';
import type { AccessRequest, Rule } from '../../src/domain/types.js';
import { refusal, createHarness, policyOf, port, vm, type Harness } from '../support/workflow-harness.js';
import { asGrant } from '../support/request-overrides.js';

let h: Harness;
afterEach(() => h?.cleanup());

const HOUR = 3600_000;
const AUTO: Rule = { name: 'auto', match: { vms: ['web-*'] }, effect: 'approve', reason: 'web is open' };

/** A harness whose one port allows `maxHours` and whose rules are `rules` (default: approve everything). */
function harness(options: { maxHours?: number; rules?: Rule[] } = {}): Harness {
  const ports = [port(22, { maxDurationSeconds: (options.maxHours ?? 6) * 3600 })];
  return createHarness({ policy: policyOf({ vms: [vm('web-1', { ports })], rules: options.rules ?? [AUTO] }) });
}

async function active(harness: Harness, duration = '2h'): Promise<AccessRequest> {
  const result = await harness.workflow.request(harness.input({ duration }));
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  expect(result.request.state).toBe('active');
  return result.request;
}

async function extendedEvents(harness: Harness, id: string) {
  return (await harness.store.auditEvents(id)).filter((e) => e.name === 'grant.extended');
}

describe('extend', () => {
  it('extend_ruleApprovesWithinMax_extendsAtOnceByTheOriginalDuration', async () => {
    h = harness();
    const activated: AccessRequest[] = [];
    h.ctx.listener.activated = (request) => activated.push(request);
    const request = await active(h);
    h.clock.advance(30 * 60_000);

    const result = await h.workflow.extend(request.id, 'UREQ');

    expect([result.addedSeconds, result.capped]).toEqual([2 * 3600, false]);
    expect(result.request.endAt).toBe(request.startAt! + 4 * HOUR);
    expect(asGrant(result.request).extensions).toBe(1);
    expect((await h.store.getRequest(request.id))?.endAt).toBe(request.startAt! + 4 * HOUR);
    expect(h.backend.endOf(request.id)).toBe(request.startAt! + 4 * HOUR);
    const [event] = await extendedEvents(h, request.id);
    expect(event).toMatchObject({ actor: 'UREQ', at: h.clock.now() });
    expect(event!.detail).toMatch(/^2h more, 4h in all; rule auto: web is open$/);
    // Timers are re-armed for the new end; the requester and the audit thread hear of it.
    expect(activated.map((r) => r.endAt)).toEqual([request.endAt, request.startAt! + 4 * HOUR]);
    const kinds = (await h.notifications())
      .filter((n) => n.kind !== 'approval_update' && 'request' in n && n.request.endAt === request.startAt! + 4 * HOUR)
      .map((n) => (n.kind === 'requester_dm' ? `dm:${n.event}` : n.kind));
    expect(kinds).toEqual(['audit', 'dm:grant.extended']);
  });

  it('extend_withADuration_addsExactlyThat', async () => {
    h = harness();
    const request = await active(h);
    const result = await h.workflow.extend(request.id, 'UREQ', { duration: '45m' });
    expect(result.request.endAt).toBe(request.endAt! + 45 * 60_000);
    expect(result.addedSeconds).toBe(45 * 60);
  });

  it('extend_defaultPastTheMax_isCappedAtThePortMaxFromTheOriginalStart', async () => {
    h = harness({ maxHours: 3 });
    const request = await active(h);
    h.clock.advance(HOUR);

    const result = await h.workflow.extend(request.id, 'UREQ');

    expect([result.addedSeconds, result.capped]).toEqual([3600, true]);
    expect(result.request.endAt).toBe(request.startAt! + 3 * HOUR);
    expect(h.backend.endOf(request.id)).toBe(request.startAt! + 3 * HOUR);
    // At the maximum, more time needs an approval: a pending extension, the grant unchanged.
    const again = await h.workflow.extend(request.id, 'UREQ');
    expect(again.outcome).toBe('pending');
    expect(await extendedEvents(h, request.id)).toHaveLength(1);
  });

  it('extend_explicitDurationPastTheMax_needsApprovalForExactlyThat', async () => {
    h = harness({ maxHours: 3 });
    const request = await active(h);
    const result = await h.workflow.extend(request.id, 'UREQ', { duration: '2h' });
    expect(result.outcome === 'pending' && result.extension).toMatchObject({ durationSeconds: 2 * 3600, extensionTotalSeconds: 4 * 3600 });
    expect((await h.store.getRequest(request.id))?.endAt).toBe(request.endAt);
    expect(h.backend.endOf(request.id)).toBe(request.endAt);
  });

  it('extend_badDuration_isRefused', async () => {
    h = harness();
    const request = await active(h);
    expect(await refusal(h.workflow.extend(request.id, 'UREQ', { duration: 'soon' }))).toMatch(/^jit_duration_invalid: `soon` is not a duration/);
  });

  it('extend_ruleDeniesTheLongerSpan_isRefusedWithTheReason', async () => {
    h = harness({
      rules: [
        { name: 'short', match: { maxDurationSeconds: 2 * 3600 }, effect: 'approve' },
        { name: 'long', match: {}, effect: 'deny', reason: 'more than 2h needs a change ticket' },
      ],
    });
    const request = await active(h);
    const message = await refusal(h.workflow.extend(request.id, 'UREQ'));
    expect(message).toMatch(/^jit_not_allowed: Request #\w+ was not extended: the policy denies 4h in all: more than 2h needs a change ticket\.$/);
    expect(h.backend.calls.filter((c) => c.op === 'extend')).toEqual([]);
    expect(await h.store.getRequest(request.id)).toEqual(request);
  });

  it('extend_ruleRequiresApproval_becomesAPendingExtension', async () => {
    h = harness({ rules: [{ name: 'short', match: { maxDurationSeconds: 2 * 3600 }, effect: 'approve' }] });
    const request = await active(h);
    const result = await h.workflow.extend(request.id, 'UREQ');
    expect(result.outcome).toBe('pending');
    expect(h.backend.endOf(request.id)).toBe(request.endAt);
    expect(await extendedEvents(h, request.id)).toEqual([]);
  });

  it('extend_byAnyoneButTheRequester_isRefused', async () => {
    h = harness();
    const request = await active(h);
    expect(await refusal(h.workflow.extend(request.id, 'UAPPROVER1'))).toMatch(/^jit_not_allowed: Only the requester can extend request #\w+/);
    expect(await h.store.getRequest(request.id)).toEqual(request);
  });

  it('extend_pendingOrClosed_isRefused', async () => {
    h = createHarness();
    const pending = await h.workflow.request(h.input());
    const id = pending.ok ? pending.request.id : '';
    expect(await refusal(h.workflow.extend(id, 'UREQ'))).toMatch(/^jit_wrong_state: Request #\w+ is pending, not open/);

    h.cleanup();
    h = harness();
    const request = await active(h);
    await h.workflow.revoke(request.id, 'UREQ');
    expect(await refusal(h.workflow.extend(request.id, 'UREQ'))).toMatch(/^jit_wrong_state: Request #\w+ is closed, not open/);
    expect(h.backend.isOpen(request.id)).toBe(false);
  });

  it('extend_pastItsEndButNotYetClosed_isRefused', async () => {
    h = harness();
    const request = await active(h);
    h.clock.advance(2 * HOUR);
    expect(await refusal(h.workflow.extend(request.id, 'UREQ'))).toMatch(/has reached its end time/);
  });

  it('extend_fiftyConcurrentClicksOnOneMessage_giveOneExtension', async () => {
    h = harness();
    const request = await active(h);
    const clicks = Array.from({ length: 50 }, () => h.workflow.extend(request.id, 'UREQ', { expectedEndAt: request.endAt! }));
    const results = await Promise.allSettled(clicks);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const reasons = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    expect(new Set(reasons.map((r) => r.replace(/\d{2}:\d{2}:\d{2}/, 'T')))).toEqual(
      new Set([expect.stringMatching(/was already extended: it is open until/)]),
    );
    expect(h.backend.calls.filter((c) => c.op === 'extend')).toHaveLength(1);
    expect(await extendedEvents(h, request.id)).toHaveLength(1);
    expect((await h.store.getRequest(request.id))?.endAt).toBe(request.endAt! + 2 * HOUR);
  });

  it('extend_firewallNoLongerHoldsTheGrant_isRefusedAndNothingIsStored', async () => {
    h = harness();
    const request = await active(h);
    h.backend.failNext('extend', 'grant is not open');
    expect(await refusal(h.workflow.extend(request.id, 'UREQ'))).toMatch(
      /^jit_backend_failed: The firewall could not extend request #\w+; access still ends at /,
    );
    expect(await h.store.getRequest(request.id)).toEqual(request);
    expect(await extendedEvents(h, request.id)).toEqual([]);
  });

  it('extend_vmDroppedFromThePolicy_isRefused', async () => {
    h = harness();
    const request = await active(h);
    h.setPolicy(policyOf({ vms: [vm('web-2')], rules: [AUTO] }));
    expect(await refusal(h.workflow.extend(request.id, 'UREQ'))).toMatch(/VM web-1 is no longer in the policy/);
  });
});

describe('warnExpiry', () => {
  const WARNING = 5 * 60_000;

  async function warnings(harness: Harness) {
    return (await harness.notifications()).filter((n) => n.kind === 'requester_dm' && n.event === 'grant.expiry_warning');
  }

  it('warnExpiry_beforeTheWindow_changesNothing', async () => {
    h = harness();
    const request = await active(h);
    h.clock.advance(2 * HOUR - WARNING - 1);
    expect(await h.workflow.warnExpiry(request.id)).toEqual(request);
    expect(await warnings(h)).toEqual([]);
  });

  it('warnExpiry_inTheWindow_warnsOnceAndRemembersTheEnd', async () => {
    h = harness();
    const request = await active(h);
    h.clock.advance(2 * HOUR - WARNING);
    const warned = await h.workflow.warnExpiry(request.id);
    expect(asGrant(warned).expiryWarnedFor).toBe(request.endAt);
    expect((await h.store.auditEvents(request.id)).filter((e) => e.name === 'grant.expiry_warning')).toEqual([
      expect.objectContaining({ actor: 'system', detail: 'ends in 5m' }),
    ]);
    // The requester's DM only: no reply in the audit thread.
    expect((await h.notifications()).filter((n) => n.kind === 'audit' && n.event.name === 'grant.expiry_warning')).toEqual([]);

    h.clock.advance(60_000);
    await h.workflow.warnExpiry(request.id);
    await Promise.all([h.workflow.warnExpiry(request.id), h.workflow.warnExpiry(request.id)]);
    expect(await warnings(h)).toHaveLength(1);
  });

  it('warnExpiry_afterAnExtension_warnsAgainBeforeTheNewEnd', async () => {
    h = harness();
    const request = await active(h);
    h.clock.advance(2 * HOUR - WARNING);
    await h.workflow.warnExpiry(request.id);
    const extended = await h.workflow.extend(request.id, 'UREQ');
    await h.workflow.warnExpiry(request.id);
    expect(await warnings(h)).toHaveLength(1);
    h.clock.advance(extended.request.endAt! - WARNING - h.clock.now());
    await h.workflow.warnExpiry(request.id);
    expect(await warnings(h)).toHaveLength(2);
    expect(asGrant(await h.store.getRequest(request.id)).expiryWarnedFor).toBe(extended.request.endAt);
  });

  it('warnExpiry_grantNoLongerThanTheWindow_getsNoWarning', async () => {
    h = harness();
    const request = await active(h, '5m');
    await h.workflow.warnExpiry(request.id);
    h.clock.advance(4 * 60_000);
    await h.workflow.warnExpiry(request.id);
    expect(await warnings(h)).toEqual([]);
  });

  it('warnExpiry_settingChangesTheWindow', async () => {
    h = harness();
    h.ctx.settings.expiryWarningMs = 30 * 60_000;
    const request = await active(h);
    h.clock.advance(90 * 60_000);
    await h.workflow.warnExpiry(request.id);
    expect(await warnings(h)).toHaveLength(1);
  });
});
