import { describe, expect, it } from 'vitest';
import { buildInventory, filterInventory, STATS_WINDOW_MS, type InventoryInput, type Sighting } from '../../src/domain/inventory.js';
import type { AccessRequest } from '../../src/domain/types.js';
import { request, T0, vm } from '../slack/blocks/fixtures.js';

const NOW = T0 + 30 * 24 * 3600_000;
const HOUR = 3600_000;

function input(overrides: Partial<InventoryInput> = {}): InventoryInput {
  return {
    vms: [vm('web-1'), vm('db-1', { backend: 'nftables' })],
    backendOf: (v) => v.backend ?? 'memory',
    requests: [],
    sightings: [],
    now: NOW,
    ...overrides,
  };
}

const granted = (overrides: Partial<AccessRequest>): AccessRequest =>
  request({ state: 'closed', createdAt: NOW - HOUR, startAt: NOW - HOUR, endAt: NOW - HOUR / 2, ...overrides });

describe('buildInventory', () => {
  it('buildInventory_noRequestsNoSightings_listsThePolicyVmsWithEmptyStats', () => {
    const inventory = buildInventory(input());
    expect(inventory.configured).toEqual([
      { id: 'web-1', name: 'web-1', backend: 'memory', ports: vm('web-1').ports, approvedRecently: 0, activeGrants: [] },
      { id: 'db-1', name: 'db-1', backend: 'nftables', ports: vm('db-1').ports, approvedRecently: 0, activeGrants: [] },
    ]);
    expect([inventory.notConfigured, inventory.unsupported, inventory.failures]).toEqual([[], [], []]);
  });

  it('buildInventory_countsApprovedRequestsOfTheLastSevenDays_only', () => {
    const requests = [
      granted({ id: 'aaaaa1' }),
      granted({ id: 'aaaaa2', state: 'active', endAt: NOW + HOUR }),
      granted({ id: 'aaaaa3', state: 'failed', startAt: undefined }),
      granted({ id: 'aaaaa4', createdAt: NOW - STATS_WINDOW_MS - 1 }),
      granted({ id: 'aaaaa5', state: 'denied', startAt: undefined }),
      granted({ id: 'aaaaa6', extends: 'aaaaa2' }),
      granted({ id: 'aaaaa7', vm: 'db-1' }),
    ];
    const [web, db] = buildInventory(input({ requests })).configured;
    expect(web?.approvedRecently).toBe(3);
    expect(db?.approvedRecently).toBe(1);
  });

  it('buildInventory_lastAccess_isTheLatestGrantThatOpened_withItsRequester', () => {
    const requests = [
      granted({ id: 'aaaaa1', requester: 'U0OLD', startAt: NOW - 5 * HOUR }),
      granted({ id: 'aaaaa2', requester: 'U0NEW', startAt: NOW - 2 * HOUR, createdAt: NOW - 20 * 24 * HOUR }),
      granted({ id: 'aaaaa3', requester: 'U0FAIL', state: 'failed', startAt: undefined, createdAt: NOW }),
    ];
    expect(buildInventory(input({ requests })).configured[0]?.lastAccess).toEqual({ at: NOW - 2 * HOUR, user: 'U0NEW' });
  });

  it('buildInventory_activeGrants_soonestEndFirst_closedOnesLeftOut', () => {
    const requests = [
      granted({ id: 'late01', state: 'active', requester: 'U0A', endAt: NOW + 2 * HOUR }),
      granted({ id: 'soon01', state: 'active', requester: 'U0B', endAt: NOW + HOUR }),
      granted({ id: 'gone01', state: 'closed' }),
      granted({ id: 'shut01', state: 'closing' }),
    ];
    expect(buildInventory(input({ requests })).configured[0]?.activeGrants.map((g) => [g.id, g.requester, g.endAt])).toEqual([
      ['soon01', 'U0B', NOW + HOUR],
      ['late01', 'U0A', NOW + 2 * HOUR],
    ]);
  });

  it('buildInventory_sortsSightingsIntoNotConfiguredAndUnsupported_policyVmsMatchedByIdIgnoringCase', () => {
    const sightings: Sighting[] = [
      {
        backend: 'memory',
        ok: true,
        vms: [
          { id: 'WEB-1', name: 'web-1', support: 'supported' },
          { id: 'zeta', name: 'zeta', support: 'supported' },
          { id: 'alpha', name: 'alpha', support: 'supported' },
          { id: 'old', name: 'old', support: 'unsupported', reason: 'no NSG' },
        ],
      },
      { backend: 'other', ok: true, vms: [{ id: 'alpha', name: 'alpha', support: 'unsupported', reason: 'seen twice' }] },
    ];
    const inventory = buildInventory(input({ sightings }));
    expect(inventory.configured.map((v) => v.name)).toEqual(['web-1', 'db-1']);
    expect(inventory.notConfigured).toEqual([
      { id: 'alpha', name: 'alpha', backend: 'memory' },
      { id: 'zeta', name: 'zeta', backend: 'memory' },
    ]);
    expect(inventory.unsupported).toEqual([{ id: 'old', name: 'old', backend: 'memory', reason: 'no NSG' }]);
  });

  it('buildInventory_aConfiguredVmTheBackendCannotGuard_carriesTheReasonAsAProblem', () => {
    const sightings: Sighting[] = [{ backend: 'nftables', ok: true, vms: [{ id: 'db-1', name: 'db-1', support: 'unsupported', reason: 'no NSG on its NIC' }] }];
    const inventory = buildInventory(input({ sightings }));
    expect(inventory.configured[1]?.problem).toBe('no NSG on its NIC');
    expect(inventory.configured[0]?.problem).toBeUndefined();
    expect(inventory.unsupported).toEqual([]);
  });

  it('buildInventory_aConfiguredVm_isJudgedByItsOwnBackend_notByAnotherThatSeesIt', () => {
    // The NSG backend cannot guard a VM without an NSG; the firewall backend the policy gives it can.
    const vms = [vm('fw-1', { backend: 'azure-firewall' })];
    const sightings: Sighting[] = [
      { backend: 'azure-nsg', ok: true, vms: [{ id: 'fw-1', name: 'fw-1', support: 'unsupported', reason: 'no NSG guards it' }] },
      { backend: 'azure-firewall', ok: true, vms: [{ id: 'FW-1', name: 'fw-1', support: 'supported', guard: 'firewall' }] },
    ];
    const [configured] = buildInventory(input({ vms, sightings })).configured;
    expect(configured?.problem).toBeUndefined();
    expect(configured?.guard).toBe('firewall');
  });

  it('buildInventory_aVmOutsideThePolicy_isShownByABackendThatCanGuardIt_withItsGuard', () => {
    const sightings: Sighting[] = [
      { backend: 'azure-nsg', ok: true, vms: [{ id: 'spare', name: 'spare', support: 'unsupported', reason: 'no NSG guards it' }] },
      { backend: 'azure-firewall', ok: true, vms: [{ id: 'spare', name: 'spare', support: 'supported', guard: 'both' }] },
      { backend: 'azure-nsg', ok: true, vms: [{ id: 'old', name: 'old', support: 'unsupported', reason: 'a classic VM' }] },
    ];
    const inventory = buildInventory(input({ sightings }));
    expect(inventory.notConfigured).toEqual([{ id: 'spare', name: 'spare', backend: 'azure-firewall', guard: 'both' }]);
    expect(inventory.unsupported).toEqual([{ id: 'old', name: 'old', backend: 'azure-nsg', reason: 'a classic VM' }]);
  });

  it('buildInventory_aFailedBackend_isReported_andTheOthersStillCount', () => {
    const sightings: Sighting[] = [
      { backend: 'azure-nsg', ok: false, error: 'HTTP 403 AuthorizationFailed' },
      { backend: 'memory', ok: true, vms: [{ id: 'spare', name: 'spare', support: 'supported' }] },
    ];
    const inventory = buildInventory(input({ sightings }));
    expect(inventory.failures).toEqual([{ backend: 'azure-nsg', error: 'HTTP 403 AuthorizationFailed' }]);
    expect(inventory.notConfigured.map((v) => v.name)).toEqual(['spare']);
  });
});

describe('filterInventory', () => {
  it('filterInventory_keepsOnlyMatchingNames_inEveryGroup_andKeepsFailures', () => {
    const sightings: Sighting[] = [
      {
        backend: 'memory',
        ok: true,
        vms: [
          { id: 'web-9', name: 'web-9', support: 'supported' },
          { id: 'db-9', name: 'db-9', support: 'unsupported', reason: 'x' },
        ],
      },
      { backend: 'broken', ok: false, error: 'down' },
    ];
    const filtered = filterInventory(buildInventory(input({ sightings })), 'WEB-*');
    expect([filtered.configured.map((v) => v.name), filtered.notConfigured.map((v) => v.name), filtered.unsupported]).toEqual([['web-1'], ['web-9'], []]);
    expect(filtered.failures).toHaveLength(1);
  });
});
