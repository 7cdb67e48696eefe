import { describe, expect, it } from 'vitest';
import { type AccessRules, authorize, groupsToCheck, type Right, type Verdict } from '../../src/domain/authorize.js';
import { type RefusalCode, refusalError } from '../../src/domain/refusals.js';
import type { RequestState } from '../../src/domain/types.js';
import { breakGlass, POLICY, request, ROLES, type Role, RULES, STATES } from '../support/authorize-fixtures.js';
import { CATEGORY } from '../support/refusal-samples.js';

type Outcome = 'ok' | RefusalCode;
/** The outcome in each state named, `else` in every other. */
type Expect = { readonly [S in RequestState]?: Outcome } & { readonly else: Outcome };
type RequestRight = Exclude<Right, 'admin' | 'read_audit'>;

const BYSTANDERS = ['stranger', 'jitAdmin', 'groupPolicyAdmin', 'reader', 'groupReader'] as const;
/** The same expectation for several roles. */
function each<R extends Role>(roles: readonly R[], expect: Expect): Record<R, Expect> {
  return Object.fromEntries(roles.map((role) => [role, expect])) as Record<R, Expect>;
}
const NEVER_OPENED = { denied: 'ack_never_opened', cancelled: 'ack_never_opened', timed_out: 'ack_never_opened' } as const;
const OPEN = { pending: 'revoke_pending', approved: 'ok', active: 'ok', closing: 'ok', else: 'revoke_nothing_open' } as const;

const EXPECTED: Record<RequestRight, Record<Role, Expect>> = {
  approve: {
    requester: { pending: 'approve_own_request', else: 'already_decided' },
    requestApprover: { pending: 'ok', else: 'already_decided' },
    groupApprover: { pending: 'ok', else: 'already_decided' },
    rootApprover: { pending: 'approve_not_request_approver', else: 'already_decided' },
    removedApprover: { pending: 'not_current_approver', else: 'already_decided' },
    ...each(BYSTANDERS, { pending: 'approve_not_request_approver', else: 'already_decided' }),
  },
  deny: {
    requester: { else: 'deny_own_request' },
    requestApprover: { pending: 'ok', else: 'already_decided' },
    groupApprover: { pending: 'ok', else: 'already_decided' },
    rootApprover: { else: 'deny_not_request_approver' },
    removedApprover: { else: 'not_current_approver' },
    ...each(BYSTANDERS, { else: 'deny_not_request_approver' }),
  },
  cancel: {
    requester: { pending: 'ok', approved: 'cancel_already_open', active: 'cancel_already_open', else: 'cancel_already_ended' },
    ...each(['requestApprover', 'groupApprover', 'rootApprover', 'removedApprover', ...BYSTANDERS], { else: 'cancel_not_requester' }),
  },
  revoke: {
    ...each(['requester', 'requestApprover', 'groupApprover', 'rootApprover'], OPEN),
    removedApprover: { else: 'revoke_no_longer_approver' },
    ...each(BYSTANDERS, { else: 'revoke_not_allowed' }),
  },
  extend: {
    requester: { active: 'ok', else: 'extend_not_open' },
    ...each(['requestApprover', 'groupApprover', 'rootApprover', 'removedApprover', ...BYSTANDERS], { else: 'extend_not_requester' }),
  },
  view: {
    ...each(['requester', 'requestApprover', 'groupApprover', 'removedApprover', 'jitAdmin', 'groupPolicyAdmin', 'reader', 'groupReader'], { else: 'ok' }),
    ...each(['rootApprover', 'stranger'], { else: 'not_found' }),
  },
  // On a break-glass request, as only those are ever acknowledged.
  acknowledge: {
    requester: { ...NEVER_OPENED, else: 'ack_own_grant' },
    requestApprover: { ...NEVER_OPENED, else: 'ok' },
    groupApprover: { ...NEVER_OPENED, else: 'ok' },
    rootApprover: { ...NEVER_OPENED, else: 'ack_not_request_approver' },
    removedApprover: { ...NEVER_OPENED, else: 'not_current_approver' },
    ...each(BYSTANDERS, { ...NEVER_OPENED, else: 'ack_not_request_approver' }),
  },
};

const ADMIN: Record<Role, Outcome> = {
  requester: 'not_admin',
  requestApprover: 'not_admin',
  groupApprover: 'not_admin',
  rootApprover: 'not_admin',
  removedApprover: 'not_admin',
  stranger: 'not_admin',
  jitAdmin: 'ok',
  groupPolicyAdmin: 'ok',
  reader: 'not_admin',
  groupReader: 'not_admin',
};
const READ_AUDIT: Record<Role, Outcome> = {
  requester: 'not_audit_reader',
  requestApprover: 'not_audit_reader',
  groupApprover: 'not_audit_reader',
  rootApprover: 'not_audit_reader',
  removedApprover: 'not_audit_reader',
  stranger: 'not_audit_reader',
  jitAdmin: 'not_audit_reader',
  groupPolicyAdmin: 'not_audit_reader',
  reader: 'ok',
  groupReader: 'ok',
};

const outcomeOf = (verdict: Verdict): Outcome => (verdict.ok ? 'ok' : verdict.refusal.code);
const title = (word: string) => word[0]!.toUpperCase() + word.slice(1).replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
const named = (outcome: Outcome) => (outcome === 'ok' ? 'isAllowed' : `isRefusedAs_${outcome}`);

describe('authorize: every right × role × state', () => {
  const rows = (Object.keys(EXPECTED) as RequestRight[]).flatMap((right) =>
    (Object.keys(ROLES) as Role[]).flatMap((role) =>
      STATES.map((state) => {
        const expect = EXPECTED[right][role];
        const outcome = expect[state] ?? expect.else;
        return { name: `${right}_by${title(role)}_when${title(state)}_${named(outcome)}`, right, role, state, outcome };
      }),
    ),
  );

  it.each(rows)('$name', ({ right, role, state, outcome }) => {
    const target = right === 'acknowledge' ? breakGlass(state) : request(state);
    const verdict = authorize(ROLES[role], right, target, RULES);
    expect(outcomeOf(verdict)).toBe(outcome);
    if (!verdict.ok) expect(refusalError(verdict.refusal)).toBe(CATEGORY[verdict.refusal.code]);
  });

  const callerRows = (Object.keys(ROLES) as Role[]).flatMap((role) => [
    { name: `admin_by${title(role)}_${named(ADMIN[role])}`, right: 'admin' as const, role, outcome: ADMIN[role] },
    { name: `readAudit_by${title(role)}_${named(READ_AUDIT[role])}`, right: 'read_audit' as const, role, outcome: READ_AUDIT[role] },
  ]);

  it.each(callerRows)('$name', ({ right, role, outcome }) => {
    expect(outcomeOf(authorize(ROLES[role], right, undefined, RULES))).toBe(outcome);
    // A request beside the question changes nothing.
    for (const state of STATES) expect(outcomeOf(authorize(ROLES[role], right, request(state), RULES))).toBe(outcome);
  });
});

describe('authorize: the order of the checks', () => {
  const refusalOf = (verdict: Verdict) => (verdict.ok ? undefined : verdict.refusal);

  it('approve_byTheRequesterWhoIsAlsoAnApprover_isRefusedAsOwnRequest', () => {
    const own = request('pending', { requester: 'UAPPR' });
    expect(refusalOf(authorize(ROLES.requestApprover, 'approve', own, RULES))).toEqual({ code: 'approve_own_request', params: { id: 'abc123' } });
  });

  it('approve_onADecidedRequest_namesTheDecider', () => {
    const denied = request('denied', { decidedBy: 'UAPPR2' });
    expect(refusalOf(authorize(ROLES.requestApprover, 'approve', denied, RULES))).toEqual({
      code: 'already_decided',
      params: { id: 'abc123', state: 'denied', decidedBy: 'UAPPR2' },
    });
  });

  it('approve_onARequestDecidedByNobody_carriesNoDecider', () => {
    expect(refusalOf(authorize(ROLES.requestApprover, 'approve', request('timed_out'), RULES))).toEqual({
      code: 'already_decided',
      params: { id: 'abc123', state: 'timed_out' },
    });
  });

  it('approve_bySomeoneTheRequestDoesNotName_carriesTheRequestsApprovers', () => {
    expect(refusalOf(authorize(ROLES.rootApprover, 'approve', request('pending'), RULES))).toEqual({
      code: 'approve_not_request_approver',
      params: { id: 'abc123', approvers: ['UAPPR', 'SAPPR', 'UGONE', 'SGONE'] },
    });
  });

  it('approve_twiceByTheSamePerson_isRefusedAsAlreadyApproved', () => {
    expect(outcomeOf(authorize(ROLES.requestApprover, 'approve', request('pending', { approvals: ['UAPPR'] }), RULES))).toBe('approve_already_approved');
  });

  it('approve_byARemovedApproverWhoApprovedBefore_isRefusedAsAlreadyApproved', () => {
    expect(outcomeOf(authorize(ROLES.removedApprover, 'approve', request('pending', { approvals: ['UGONE'] }), RULES))).toBe('approve_already_approved');
  });

  it('approve_byAMemberOfARemovedGroup_isRefusedAsNoLongerAnApprover', () => {
    expect(outcomeOf(authorize({ user: 'UOLD', groups: ['SGONE'] }, 'approve', request('pending'), RULES))).toBe('not_current_approver');
  });

  it('approve_afterDenying_isRefused', () => {
    const denied = request('pending', { denials: ['UAPPR'], decision: { ...request('pending').decision, denyEndsRequest: false } });
    expect(outcomeOf(authorize(ROLES.requestApprover, 'approve', denied, RULES))).toBe('approve_after_deny');
  });

  it('deny_afterApproving_whenADenyDoesNotEndTheRequest_isRefused', () => {
    const approved = request('pending', { approvals: ['UAPPR'], decision: { ...request('pending').decision, denyEndsRequest: false } });
    expect(outcomeOf(authorize(ROLES.requestApprover, 'deny', approved, RULES))).toBe('deny_after_approve');
  });

  it('deny_twice_whenADenyDoesNotEndTheRequest_isRefused', () => {
    const denied = request('pending', { denials: ['UAPPR'], decision: { ...request('pending').decision, denyEndsRequest: false } });
    expect(outcomeOf(authorize(ROLES.requestApprover, 'deny', denied, RULES))).toBe('deny_already_denied');
  });

  it('deny_afterApproving_whenADenyEndsTheRequest_isAllowed', () => {
    const approved = request('pending', { approvals: ['UAPPR'], decision: { ...request('pending').decision, denyEndsRequest: true } });
    expect(outcomeOf(authorize(ROLES.requestApprover, 'deny', approved, RULES))).toBe('ok');
    expect(outcomeOf(authorize(ROLES.requestApprover, 'deny', request('pending', { approvals: ['UAPPR'] }), RULES))).toBe('ok');
  });

  it('acknowledge_alreadyAcknowledged_namesTheReviewer_evenToTheRequester', () => {
    const reviewed = breakGlass('active', { acknowledgedBy: 'UAPPR2' });
    const expected = { code: 'ack_already', params: { id: 'abc123', by: 'UAPPR2' } };
    expect(refusalOf(authorize(ROLES.requestApprover, 'acknowledge', reviewed, RULES))).toEqual(expected);
    expect(refusalOf(authorize(ROLES.requester, 'acknowledge', reviewed, RULES))).toEqual(expected);
  });

  it('acknowledge_ofARequestThatWasNotBreakGlass_isRefusedAsSuch_whateverItsState', () => {
    expect(outcomeOf(authorize(ROLES.requestApprover, 'acknowledge', request('denied'), RULES))).toBe('ack_not_break_glass');
    expect(outcomeOf(authorize(ROLES.requestApprover, 'acknowledge', request('active'), RULES))).toBe('ack_not_break_glass');
  });

  it('acknowledge_ofABreakGlassDeniedWithItsBatch_saysNothingWasOpened', () => {
    expect(refusalOf(authorize(ROLES.requestApprover, 'acknowledge', breakGlass('denied'), RULES))).toEqual({
      code: 'ack_never_opened',
      params: { id: 'abc123', state: 'denied' },
    });
  });

  it('extend_ofAnActiveRequestWithoutStartOrEnd_isRefusedAsNotOpen', () => {
    expect(outcomeOf(authorize(ROLES.requester, 'extend', request('active', { endAt: undefined }), RULES))).toBe('extend_not_open');
    expect(outcomeOf(authorize(ROLES.requester, 'extend', request('active', { startAt: undefined }), RULES))).toBe('extend_not_open');
  });

  it('revoke_byADefaultApproverThroughAGroup_isAllowed', () => {
    expect(outcomeOf(authorize({ user: 'UOPS', groups: ['SOPS'] }, 'revoke', request('active'), RULES))).toBe('ok');
  });

  it.each(Object.keys(EXPECTED) as RequestRight[])('%s_withoutAUser_isRefusedAsUnknownCaller', (right) => {
    expect(outcomeOf(authorize({ user: '', groups: [] }, right, request('pending'), RULES))).toBe('unknown_caller');
    expect(outcomeOf(authorize({ user: undefined as unknown as string, groups: [] }, right, request('pending'), RULES))).toBe('unknown_caller');
  });

  it.each(Object.keys(EXPECTED) as RequestRight[])('%s_withoutARequest_isRefusedAsMissing', (right) => {
    expect(refusalOf(authorize(ROLES.requester, right, undefined, RULES))).toEqual({ code: 'request_missing', params: {} });
  });

  it('admin_andReadAudit_withoutAUser_areRefused_evenWhenAListNamesTheEmptyString', () => {
    const loose: AccessRules = { policy: { ...POLICY, admins: [''], readers: [''] }, admins: [''] };
    expect(outcomeOf(authorize({ user: '', groups: [] }, 'admin', undefined, loose))).toBe('not_admin');
    expect(outcomeOf(authorize({ user: '', groups: [] }, 'read_audit', undefined, loose))).toBe('not_audit_reader');
  });

  it('admin_namedDirectlyInThePolicy_isAllowed', () => {
    expect(outcomeOf(authorize({ user: 'UPOLICYADMIN', groups: [] }, 'admin', undefined, RULES))).toBe('ok');
  });

  it('admin_throughAGroupListedOnlyInJitAdmins_isRefused', () => {
    const rules: AccessRules = { policy: POLICY, admins: ['SENVADMINS'] };
    expect(outcomeOf(authorize({ user: 'UX', groups: ['SENVADMINS'] }, 'admin', undefined, rules))).toBe('not_admin');
  });

  it('readAudit_refused_carriesEveryReader_policyFirst', () => {
    expect(refusalOf(authorize(ROLES.stranger, 'read_audit', undefined, { ...RULES, readers: ['UREADER', 'SREADERS'] }))).toEqual({
      code: 'not_audit_reader',
      params: { readers: ['SREADERS', 'UREADER'] },
    });
    expect(refusalOf(authorize(ROLES.stranger, 'read_audit', undefined, { policy: { ...POLICY, readers: undefined } }))).toEqual({
      code: 'not_audit_reader',
      params: { readers: [] },
    });
  });
});

describe('groupsToCheck', () => {
  const sorted = (ids: string[]) => [...ids].sort();

  it.each(['approve', 'deny', 'acknowledge', 'revoke'] as const)('groupsToCheck_%s_isEveryApproverGroupOfTheRequestAndThePolicy', (right) => {
    const withRepeat = request('pending', { decision: { ...request('pending').decision, approvers: ['UAPPR', 'SAPPR', 'SGONE', 'SOPS'] } });
    const groups = groupsToCheck(right, withRepeat, RULES);
    expect(sorted(groups)).toEqual(['SAPPR', 'SGONE', 'SOPS']);
  });

  it.each(['approve', 'deny', 'acknowledge', 'revoke', 'cancel', 'extend'] as const)('groupsToCheck_%s_withoutARequest_isNone', (right) => {
    expect(groupsToCheck(right, undefined, RULES)).toEqual([]);
  });

  it.each(['cancel', 'extend'] as const)('groupsToCheck_%s_isNone_onlyTheRequesterMay', (right) => {
    expect(groupsToCheck(right, request('active'), RULES)).toEqual([]);
  });

  it('groupsToCheck_admin_isThePolicysAdminGroups', () => {
    expect(groupsToCheck('admin', undefined, { ...RULES, admins: ['UJITADMIN', 'SIGNORED'] })).toEqual(['SADMINS']);
  });

  it('groupsToCheck_readAudit_isEveryReaderGroup', () => {
    expect(sorted(groupsToCheck('read_audit', undefined, { ...RULES, readers: ['UREADER', 'SAUDIT', 'SREADERS'] }))).toEqual(['SAUDIT', 'SREADERS']);
  });
});
