// planCloses (many grants ending together) deletes exactly what planClose would
// for each of them, one after another, and leaves the same elements behind.

import { describe, expect, it } from 'vitest';
import type { GrantSpec } from '../../../src/ports/firewall.js';
import { KERNEL_MARGIN_MS } from '../../../src/firewall/nftables/ruleset.js';
import { EXPIRY_RACE_MS, openTarget, planClose, planCloses, planOpen } from '../../../src/firewall/nftables/plan.js';
import type { AllowElement } from '../../../src/firewall/nftables/ruleset.js';

const LAYOUT = { table: 'jit', slots: 2 };
const NOW = 1_000_000;

function table(endAt = NOW + 10 * 60_000): AllowElement[] {
  const elements: AllowElement[] = [];
  for (let i = 0; i < 40; i++) {
    const grant: GrantSpec = {
      requestId: `req${String(i).padStart(3, '0')}`,
      vmId: 'vm1',
      vmName: 'web',
      address: '10.1.0.2',
      ports: [{ number: 22, protocol: i % 3 === 0 ? '*' : 'TCP' }],
      source: `198.51.${i % 2}.${i}/32`,
      endAt,
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

  it('planCloses_ofElementsNearTheirTimeout_addsEachBackThenDeletesIt_soOneThatExpiredMeanwhileCannotFailTheTransaction', () => {
    // Its kernel timeout is EXPIRY_RACE_MS: the grant's time left plus the kernel's margin.
    const near = table(NOW + EXPIRY_RACE_MS - KERNEL_MARGIN_MS);
    const far = table();
    const ids = new Set(['req001', 'req017']);
    const deletes = planCloses(far, ids, LAYOUT);

    const lines = planCloses(near, ids, LAYOUT);

    // Each delete is preceded by the add of the same element (1 s timeout, same comment), nothing else.
    expect(lines.filter((line) => line.startsWith('delete element'))).toEqual(deletes);
    expect(lines).toHaveLength(2 * deletes.length);
    for (let i = 0; i < lines.length; i += 2) {
      const key = lines[i + 1]!.replace(/^delete element (\S+ \S+ \S+) \{ (.*) \}$/, '$1 { $2');
      expect(lines[i]).toMatch(/^add element /);
      expect(lines[i]!.replace(/^add element /, '')).toMatch(new RegExp(`^${escapeRegExp(key)} timeout 1000ms comment "req0(01|17)" }$`));
    }
    expect(near.map((e) => e.comment)).toEqual(far.map((e) => e.comment));
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
