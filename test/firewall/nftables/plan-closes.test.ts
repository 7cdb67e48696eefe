// planCloses (many grants ending together) deletes exactly what planClose would
// for each of them, one after another, and leaves the same elements behind.

import { describe, expect, it } from 'vitest';
import type { GrantSpec } from '../../../src/ports/firewall.js';
import { openTarget, planClose, planCloses, planOpen } from '../../../src/firewall/nftables/plan.js';
import type { AllowElement } from '../../../src/firewall/nftables/ruleset.js';

const LAYOUT = { table: 'jit', slots: 2 };
const NOW = 1_000_000;

function table(): AllowElement[] {
  const elements: AllowElement[] = [];
  for (let i = 0; i < 40; i++) {
    const grant: GrantSpec = {
      requestId: `req${String(i).padStart(3, '0')}`,
      vmId: 'vm1',
      vmName: 'web',
      address: '10.1.0.2',
      ports: [{ number: 22, protocol: i % 3 === 0 ? '*' : 'TCP' }],
      source: `198.51.${i % 2}.${i}/32`,
      endAt: NOW + 60_000,
    };
    planOpen(elements, openTarget(grant), LAYOUT, NOW);
  }
  return elements;
}

describe('planCloses', () => {
  it('planCloses_deletesWhatPlanCloseWouldForEach_andKeepsTheRest', () => {
    const ids = ['req001', 'req003', 'req017', 'req039', 'gone00'];
    const one = table();
    const expected = ids.flatMap((id) => planClose(one, id, LAYOUT));
    const many = table();

    const lines = planCloses(many, new Set(ids), LAYOUT);

    expect([...lines].sort()).toEqual([...expected].sort());
    expect(many).toEqual(one);
    expect(planCloses(many, new Set(ids), LAYOUT)).toEqual([]);
  });
});
