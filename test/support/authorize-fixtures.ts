// The world authorize.test.ts asks about, built by hand: one policy, one
// request in any state, and a caller for each role a user can have towards it.

import type { AccessRules, Caller } from '../../src/domain/authorize.js';
import type { AccessRequest, Policy, RequestState } from '../../src/domain/types.js';
import { type RequestFields, requestOf } from './request-overrides.js';

// The request's decision names UAPPR, the group SAPPR, UGONE and the
// group SGONE; the policy now names UAPPR and SAPPR (rule prod) and UROOT and
// SOPS (its defaults), so UGONE and SGONE were taken out after the request.
export const POLICY: Policy = {
  vms: [],
  approvers: ['UROOT', 'SOPS'],
  rules: [{ name: 'prod', match: {}, effect: 'require_approval', approvers: ['UAPPR', 'SAPPR'] }],
  admins: ['SADMINS', 'UPOLICYADMIN'],
  readers: ['SREADERS'],
};
export const RULES: AccessRules = { policy: POLICY, admins: ['UJITADMIN'], readers: ['UREADER'] };

const T0 = Date.UTC(2026, 10, 28, 9);

export function request(state: RequestState, overrides: RequestFields = {}): AccessRequest {
  return requestOf({
    id: 'abc123',
    requester: 'UREQ',
    vm: 'web-1',
    ports: [{ number: 22, protocol: 'TCP' }],
    source: '198.51.100.7/32',
    durationSeconds: 3_600,
    justification: 'deploy hotfix',
    state,
    version: 1,
    createdAt: T0,
    decision: { effect: 'require_approval', approvalsNeeded: 2, approvers: ['UAPPR', 'SAPPR', 'UGONE', 'SGONE'], matchedRule: 'prod', reasons: [] },
    approvals: [],
    startAt: T0,
    endAt: T0 + 3_600_000,
    ...overrides,
  });
}

export function breakGlass(state: RequestState, overrides: RequestFields = {}): AccessRequest {
  const base = request(state);
  return requestOf({ ...base, decision: { ...base.decision, effect: 'break_glass', approvalsNeeded: 0 }, ...overrides });
}

export const ROLES = {
  requester: { user: 'UREQ', groups: [] },
  requestApprover: { user: 'UAPPR', groups: [] },
  groupApprover: { user: 'UMEMBER', groups: ['SAPPR'] },
  rootApprover: { user: 'UROOT', groups: [] },
  removedApprover: { user: 'UGONE', groups: [] },
  stranger: { user: 'USTRANGER', groups: [] },
  jitAdmin: { user: 'UJITADMIN', groups: [] },
  groupPolicyAdmin: { user: 'UADMINMEMBER', groups: ['SADMINS'] },
  reader: { user: 'UREADER', groups: [] },
  groupReader: { user: 'UREADERMEMBER', groups: ['SREADERS'] },
} satisfies Record<string, Caller>;
export type Role = keyof typeof ROLES;

export const STATES: readonly RequestState[] = ['pending', 'approved', 'active', 'closing', 'closed', 'denied', 'cancelled', 'timed_out', 'failed'];
