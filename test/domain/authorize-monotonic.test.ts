// workflow/access.ts asks authorize() first without group memberships and only
// looks them up when the answer is no. That is sound only if a membership can
// grant a right but never take one away: checked here for every right, state
// and role, with every group of the world added.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { authorize, type Right } from '../../src/domain/authorize.js';
import { breakGlass, request, ROLES, RULES, STATES } from '../support/authorize-fixtures.js';

// A record, so a right added to Right and left out here does not compile.
const EVERY_RIGHT: Record<Right, true> = {
  approve: true,
  deny: true,
  revoke: true,
  extend: true,
  cancel: true,
  acknowledge: true,
  view: true,
  admin: true,
  read_audit: true,
};
const RIGHTS = Object.keys(EVERY_RIGHT) as Right[];
const GROUPS = ['SAPPR', 'SGONE', 'SOPS', 'SADMINS', 'SREADERS', 'SOTHER'];

describe('authorize and group memberships', () => {
  it('moreMemberships_neverTurnAYesIntoANo', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...RIGHTS),
        fc.constantFrom(...STATES),
        fc.constantFrom(...Object.values(ROLES)),
        fc.boolean(),
        fc.subarray(GROUPS),
        (right, state, caller, glass, extra) => {
          const target = glass ? breakGlass(state) : request(state);
          const before = authorize(caller, right, target, RULES);
          const after = authorize({ user: caller.user, groups: [...new Set([...caller.groups, ...extra])] }, right, target, RULES);
          if (before.ok) expect(after.ok).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
