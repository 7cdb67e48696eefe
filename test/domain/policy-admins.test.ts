// `admins` at the policy root: declared like `approvers` (Slack user and
// user-group IDs), in the native form and beside Azure's own keys.

import { describe, expect, it } from 'vitest';
import { parsePolicyDocument } from '../../src/domain/policy/parse.js';

const vms = [{ id: 'web1', ports: [{ number: 22, protocol: 'TCP', allowedSourceAddressPrefix: '*', maxRequestAccessDuration: 'PT3H' }] }];

describe('policy admins', () => {
  it('admins_native_areReadLikeApprovers', () => {
    const result = parsePolicyDocument({ virtualMachines: vms, admins: ['U0ADMIN', 'S0PLATFORM'] });
    expect(result.ok && result.policy.admins).toEqual(['U0ADMIN', 'S0PLATFORM']);
  });

  it('admins_besideAnAzurePolicy_areRead', () => {
    const result = parsePolicyDocument({ kind: 'Basic', admins: ['W0ADMIN'], properties: { virtualMachines: vms } });
    expect(result.ok && result.policy.admins).toEqual(['W0ADMIN']);
  });

  it('admins_absent_leaveThePolicyWithoutThem', () => {
    const result = parsePolicyDocument({ virtualMachines: vms });
    expect(result.ok && 'admins' in result.policy).toBe(false);
  });

  it('admins_withANameInsteadOfAnId_isRefusedAtItsPath', () => {
    const result = parsePolicyDocument({ virtualMachines: vms, admins: ['U0ADMIN', 'alice'] });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([{ path: 'admins[1]', message: expect.stringMatching(/expected a Slack user ID .* got `alice`/) }]);
  });

  it('admins_insideAzureProperties_isToldToMoveToTheRoot', () => {
    const result = parsePolicyDocument({ kind: 'Basic', properties: { virtualMachines: vms, admins: ['U0ADMIN'] } });
    expect(!result.ok && result.problems.map((p) => p.path)).toEqual(['properties.admins']);
  });
});
