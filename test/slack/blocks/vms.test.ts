import { describe, expect, it } from 'vitest';
import type { ConfiguredVm, Inventory } from '../../../src/domain/inventory.js';
import { vmsText } from '../../../src/slack/blocks/vms.js';
import { HOSTILE, hostileIsInert, port, T0 } from './fixtures.js';

function configured(name: string, overrides: Partial<ConfiguredVm> = {}): ConfiguredVm {
  return { id: name, name, backend: 'memory', ports: [port(22)], approvedRecently: 0, activeGrants: [], ...overrides };
}

function inventory(overrides: Partial<Inventory> = {}): Inventory {
  return { configured: [], notConfigured: [], unsupported: [], failures: [], ...overrides };
}

const names = (count: number, prefix: string) => Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);

describe('vmsText', () => {
  it('vmsText_nothing_saysSoInEachGroup', () => {
    expect(vmsText(inventory(), T0)).toBe(
      [
        '*VMs*: 0 configured · 0 not configured · 0 unsupported',
        '',
        '*Configured (0)*',
        'None.',
        '',
        '*Not configured (0)*',
        'None.',
        '',
        '*Unsupported (0)*',
        'None.',
      ].join('\n'),
    );
  });

  it('vmsText_azureVms_sayWhichGuardAGrantOpens', () => {
    const text = vmsText(
      inventory({
        configured: [configured('app-1', { backend: 'azure-firewall', guard: 'both' })],
        notConfigured: [{ id: 'spare', name: 'spare', backend: 'azure-nsg', guard: 'nsg' }],
      }),
      T0,
    );
    expect(text).toContain('• *app-1* · 22/TCP (max 3h) · `azure-firewall` · guarded by NSG + Azure Firewall · 0 approved in 7 days');
    expect(text).toContain('• *spare* (`azure-nsg` · guarded by NSG)');
  });

  it('vmsText_listsTheThreeGroups_withStatsReasonsAndFailures', () => {
    const text = vmsText(
      inventory({
        configured: [
          configured('web-1', {
            approvedRecently: 4,
            lastAccess: { at: T0, user: 'U0LAST' },
            activeGrants: [{ id: 'k7m2qp', requester: 'U0A', ports: [], endAt: T0 + 600_000 }],
            problem: 'no NSG',
          }),
        ],
        notConfigured: [{ id: 'spare', name: 'spare', backend: 'memory' }],
        unsupported: [{ id: 'old', name: 'old', backend: 'azure-nsg', reason: 'its network interfaces are defined by a scale set' }],
        failures: [{ backend: 'nftables', error: 'timed out' }],
      }),
      T0,
      'w*',
    );
    expect(text).toContain('*VMs matching `w*`*: 1 configured · 1 not configured · 1 unsupported');
    expect(text).toContain(':warning: Could not list the VMs of backend `nftables`: timed out');
    expect(text).toMatch(
      /• \*web-1\* · 22\/TCP \(max 3h\) · `memory` · 4 approved in 7 days · last access <!date\^\d+.*> by <@U0LAST> · 1 open, the first until <!date\^\d+.*> \(10m left\) · :warning: no NSG/,
    );
    expect(text).toContain('*Not configured (1)*\n• *spare* (`memory`)');
    expect(text).toContain('*Unsupported (1)*\n• *old* (`azure-nsg`): its network interfaces are defined by a scale set');
  });

  it('vmsText_500VmsInEachGroup_fitsOneSlackMessage_andCountsWhatIsLeftOut', () => {
    const text = vmsText(
      inventory({
        configured: names(500, 'web').map((name) => configured(name, { lastAccess: { at: T0, user: 'U0LAST' } })),
        notConfigured: names(500, 'spare').map((name) => ({ id: name, name, backend: 'azure-nsg' })),
        unsupported: names(500, 'old').map((name) => ({
          id: name,
          name,
          backend: 'azure-nsg',
          reason: 'no network security group guards it: neither its network interface nor its subnet has one',
        })),
      }),
      T0,
    );
    expect(text.length).toBeLessThan(40_000);
    const leftOut = [...text.matchAll(/…and (\d+) more: narrow the list with `\/jit vms <name or glob>`/g)].map((m) => Number(m[1]));
    expect(leftOut).toHaveLength(3);
    // Every VM is either listed or counted.
    const listed = (prefix: string) => (text.match(new RegExp(`• \\*${prefix}-\\d{3}\\*`, 'g')) ?? []).length;
    expect([listed('web') + leftOut[0]!, listed('spare') + leftOut[1]!, listed('old') + leftOut[2]!]).toEqual([500, 500, 500]);
  });

  it('vmsText_hostileNamesAndReasons_areInert', () => {
    const text = vmsText(
      inventory({
        notConfigured: [{ id: 'x', name: HOSTILE, backend: HOSTILE }],
        unsupported: [{ id: 'y', name: 'y', backend: 'memory', reason: HOSTILE }],
        failures: [{ backend: 'b', error: HOSTILE }],
      }),
      T0,
    );
    expect(hostileIsInert(text)).toBe(true);
  });
});
