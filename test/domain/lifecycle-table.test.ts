// The lifecycle table (domain/lifecycle.ts) as commit() checks it: every change
// a use case makes must be one the table allows, event by event.

import { describe, expect, it } from 'vitest';
import { auditEvent } from '../../src/domain/change.js';
import { ALL_STATES, assertChange, assertCreation, LIFECYCLE, LIVE_STATES, OPEN_STATES, TERMINAL_STATES, TRANSITIONS } from '../../src/domain/lifecycle.js';
import type { AccessRequest, AuditEventName, RequestState } from '../../src/domain/types.js';
import { requestOf } from '../support/request-overrides.js';

function request(state: RequestState, fields: Parameters<typeof requestOf>[0] = {}): AccessRequest {
  return requestOf({
    id: 'ab23cd',
    state,
    version: 1,
    createdAt: 0,
    requester: 'UREQ',
    vm: 'web-1',
    ports: [{ number: 22, protocol: 'TCP' }],
    source: '*',
    durationSeconds: 3600,
    justification: '',
    decision: { effect: 'require_approval', approvalsNeeded: 1, approvers: ['UAPPROVER1'], matchedRule: null, reasons: [] },
    approvals: [],
    ...fields,
  });
}

const events = (current: AccessRequest, ...names: AuditEventName[]) => names.map((name) => auditEvent(name, current, 'system', 0));

describe('the table', () => {
  it('everyEventLeadsToAStateOrLeavesItAsItIs', () => {
    for (const step of Object.values(LIFECYCLE)) {
      expect(step.to === 'same' || ALL_STATES.includes(step.to)).toBe(true);
      for (const from of step.from) expect(ALL_STATES).toContain(from);
    }
  });

  it('stateLists_areDefinedOnce_andAgree', () => {
    expect(LIVE_STATES).toEqual(['pending', ...OPEN_STATES]);
    for (const state of TERMINAL_STATES) expect(TRANSITIONS[state]).toEqual([]);
    for (const state of LIVE_STATES) expect(TERMINAL_STATES).not.toContain(state);
  });
});

describe('assertChange', () => {
  const allowed: [string, AccessRequest, RequestState, AuditEventName[]][] = [
    ['anApprovalAdded_keepsItPending', request('pending'), 'pending', ['request.approval_added']],
    ['theQuorum_approvesIt', request('pending'), 'approved', ['request.approved']],
    ['theFirewallOpened_makesItActive', request('approved'), 'active', ['grant.opened']],
    ['rulesThatVanished_areReportedWithTheClose', request('active'), 'closing', ['grant.vanished', 'grant.closing']],
    ['aFailedClose_staysClosing', request('closing'), 'closing', ['grant.close_failed']],
    ['anExpiryTheFirewallClosedItself_closesInOneWrite', request('active'), 'closed', ['grant.closing', 'grant.closed']],
    [
      'aReview_longAfterTheClose',
      request('closed', { decision: { effect: 'break_glass', approvalsNeeded: 0, approvers: ['UAPPROVER1'], matchedRule: 'bg', reasons: [] } }),
      'closed',
      ['request.acknowledged'],
    ],
    ['anAppliedExtension_closesWithoutAGrant', request('approved', { extends: 'zz23cd', extensionTotalSeconds: 7200 }), 'closed', ['extension.applied']],
  ];
  it.each(allowed)('%s', (_name, current, to, names) => {
    expect(() => assertChange(current, { ...current, state: to }, events(current, ...names))).not.toThrow();
  });

  const refused: [string, AccessRequest, RequestState, AuditEventName[], RegExp][] = [
    ['openingWithoutApproval', request('pending'), 'active', ['grant.opened'], /grant\.opened cannot happen now/],
    ['closedBeforeTheBackendSaidSo', request('active'), 'closed', ['grant.closed'], /grant\.closed cannot happen now/],
    ['anUpdateThatMovesTheState', request('pending'), 'denied', ['request.reminded'], /request\.reminded cannot make it denied/],
    ['vanishedWithoutTheClose', request('active'), 'active', ['grant.vanished', 'grant.closed'], /grant\.closed cannot happen now/],
    ['closedBeforeClosing_inOneWrite', request('active'), 'closed', ['grant.closed', 'grant.closing'], /grant\.closed cannot happen now/],
    ['closedTwice_inOneWrite', request('active'), 'closed', ['grant.closing', 'grant.closed', 'grant.closed'], /grant\.closed cannot follow in state closed/],
    [
      'closingAgainAfterTheClose',
      request('active'),
      'closing',
      ['grant.closing', 'grant.closed', 'grant.closing'],
      /grant\.closing cannot follow in state closed/,
    ],
    ['aSecondCreation', request('pending'), 'pending', ['request.created'], /exists already/],
    ['nothingRecorded', request('pending'), 'pending', [], /without an audit event/],
    ['aTerminalRequestReopened', request('denied'), 'approved', ['request.approved'], /request\.approved cannot happen now/],
  ];
  it.each(refused)('%s_isRefused', (_name, current, to, names, why) => {
    expect(() => assertChange(current, { ...current, state: to }, events(current, ...names))).toThrow(why);
  });

  it('aChangeOfKind_isRefused', () => {
    const grant = request('pending');
    const extension = request('pending', { extends: 'zz23cd', extensionTotalSeconds: 7200 });
    expect(() => assertChange(grant, extension, events(grant, 'request.approval_added'))).toThrow(/another request/);
  });
});

describe('assertCreation', () => {
  it.each(['pending', 'approved', 'denied'] as RequestState[])('startingAs_%s_isAllowed', (state) => {
    const created = request(state);
    expect(() => assertCreation(created, events(created, 'request.created'))).not.toThrow();
  });

  it.each(['active', 'closing', 'closed', 'cancelled', 'timed_out', 'failed'] as RequestState[])('startingAs_%s_isRefused', (state) => {
    const created = request(state);
    expect(() => assertCreation(created, events(created, 'request.created'))).toThrow(/cannot start/);
  });

  it('withoutItsCreationEventFirst_isRefused', () => {
    const created = request('approved');
    expect(() => assertCreation(created, events(created, 'request.approved', 'request.created'))).toThrow(/first event/);
  });
});
