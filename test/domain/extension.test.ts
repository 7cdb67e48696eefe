import { describe, expect, it } from 'vitest';
import { expiryWarningAt, expiryWarningDue, extensionApprovalDecision, grantMaxSeconds, planExtension } from '../../src/domain/extension.js';
import type { PortPolicy, VmPolicy } from '../../src/domain/types.js';

const T0 = Date.UTC(2026, 10, 28, 9, 0, 0);
const H = 3600;

describe('planExtension', () => {
  it.each([
    [
      'default within max',
      { durationSeconds: 2 * H, maxSeconds: 6 * H },
      { endAt: T0 + 4 * H * 1000, addedSeconds: 2 * H, totalSeconds: 4 * H, capped: false },
    ],
    ['default capped at max', { durationSeconds: 2 * H, maxSeconds: 3 * H }, { endAt: T0 + 3 * H * 1000, addedSeconds: H, totalSeconds: 3 * H, capped: true }],
    [
      'requested within max',
      { durationSeconds: 2 * H, maxSeconds: 3 * H, requestedSeconds: 1800 },
      { endAt: T0 + (2 * H + 1800) * 1000, addedSeconds: 1800, totalSeconds: 2 * H + 1800, capped: false },
    ],
    [
      'requested exactly to max',
      { durationSeconds: 2 * H, maxSeconds: 3 * H, requestedSeconds: H },
      { endAt: T0 + 3 * H * 1000, addedSeconds: H, totalSeconds: 3 * H, capped: false },
    ],
  ])('planExtension_%s', (_name, input, expected) => {
    expect(planExtension({ startAt: T0, endAt: T0 + 2 * H * 1000, ...input })).toEqual(expected);
  });

  it.each([
    ['already at max: the whole default', { maxSeconds: 2 * H }, 2 * H, '4h in all passes the port maximum of 2h from the original start'],
    ['max lowered below the span', { maxSeconds: H }, 2 * H, '4h in all passes the port maximum of 1h from the original start'],
    [
      'requested past max: exactly that',
      { maxSeconds: 3 * H, requestedSeconds: H + 1 },
      H + 1,
      '3h 1s in all passes the port maximum of 3h from the original start',
    ],
  ])('planExtension_%s_isPastTheMax', (_name, input, added, reason) => {
    const plan = planExtension({ startAt: T0, endAt: T0 + 2 * H * 1000, durationSeconds: 2 * H, ...input });
    expect(plan).toMatchObject({ addedSeconds: added, capped: false, pastMax: reason });
  });
});

describe('extensionApprovalDecision', () => {
  const base = { matchedRule: 'r', reasons: ['because'] };
  const PAST = '4h in all passes the port maximum of 3h from the original start';
  it.each([
    ['approve within max: none needed', { ...base, effect: 'approve' as const, approvalsNeeded: 0, approvers: [] }, undefined, undefined],
    ['deny: none possible', { ...base, effect: 'deny' as const, approvalsNeeded: 0, approvers: [] }, PAST, undefined],
    [
      'approve past max: one from the policy approvers',
      { ...base, effect: 'approve' as const, approvalsNeeded: 0, approvers: [] },
      PAST,
      { ...base, effect: 'require_approval', approvalsNeeded: 1, approvers: ['UP'], reasons: ['because', PAST] },
    ],
    [
      'require_approval: as the rule says',
      { ...base, effect: 'require_approval' as const, approvalsNeeded: 2, approvers: ['UA'] },
      undefined,
      { ...base, effect: 'require_approval', approvalsNeeded: 2, approvers: ['UA'] },
    ],
    [
      'require_approval past max: the rule, reason added',
      { ...base, effect: 'require_approval' as const, approvalsNeeded: 2, approvers: ['UA'] },
      PAST,
      { ...base, effect: 'require_approval', approvalsNeeded: 2, approvers: ['UA'], reasons: ['because', PAST] },
    ],
    [
      'break_glass: one approval from its approvers',
      { ...base, effect: 'break_glass' as const, approvalsNeeded: 0, approvers: ['UB'] },
      undefined,
      { ...base, effect: 'require_approval', approvalsNeeded: 1, approvers: ['UB'] },
    ],
  ])('extensionApprovalDecision_%s', (_name, decision, pastMax, expected) => {
    expect(extensionApprovalDecision(decision, pastMax, ['UP'])).toEqual(expected);
  });
});

describe('grantMaxSeconds', () => {
  const port = (number: number, maxDurationSeconds: number): PortPolicy => ({
    number,
    protocol: 'TCP',
    anySource: true,
    allowedSourcePrefixes: [],
    maxDurationSeconds,
    minDurationSeconds: 1,
  });
  const vm: VmPolicy = { id: 'web-1', name: 'web-1', tags: {}, ports: [port(22, 3 * H), port(3389, H)] };

  it('grantMaxSeconds_severalPorts_isTheTightest', () => {
    expect(
      grantMaxSeconds(
        {
          vm: 'web-1',
          ports: [
            { number: 22, protocol: 'TCP' },
            { number: 3389, protocol: 'TCP' },
          ],
        },
        vm,
      ),
    ).toEqual({ ok: true, seconds: H });
  });
  it('grantMaxSeconds_portGoneFromPolicy_isAReason', () => {
    expect(grantMaxSeconds({ vm: 'web-1', ports: [{ number: 5986, protocol: 'TCP' }] }, vm)).toEqual({
      ok: false,
      reason: 'port 5986 on web-1 is no longer open to requests',
    });
  });
  it('grantMaxSeconds_vmGone_isAReason', () => {
    expect(grantMaxSeconds({ vm: 'web-1', ports: [] }, undefined)).toEqual({ ok: false, reason: 'VM web-1 is no longer in the policy' });
  });
});

describe('expiryWarningAt', () => {
  const grant = { state: 'active' as const, startAt: T0, endAt: T0 + 2 * H * 1000 };
  const W = 5 * 60_000;

  it.each([
    ['an active grant', grant, grant.endAt - W],
    ['one already warned for this end', { ...grant, expiryWarnedFor: grant.endAt }, undefined],
    ['one warned for an earlier end (extended since)', { ...grant, expiryWarnedFor: grant.endAt - H * 1000 }, grant.endAt - W],
    ['one no longer than the window', { ...grant, endAt: T0 + W }, undefined],
    ['one not active', { ...grant, state: 'closing' as const }, undefined],
  ])('expiryWarningAt_%s', (_name, request, expected) => {
    expect(expiryWarningAt(request, W)).toBe(expected);
  });

  it('expiryWarningDue_onlyBetweenTheWarningAndTheEnd', () => {
    expect([grant.endAt - W - 1, grant.endAt - W, grant.endAt - 1, grant.endAt].map((now) => expiryWarningDue(grant, W, now))).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });
});
