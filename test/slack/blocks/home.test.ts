import { describe, expect, it } from 'vitest';
import type { ConfiguredVm, Inventory } from '../../../src/domain/inventory.js';
import { APPROVAL_IDS } from '../../../src/slack/blocks/approval.js';
import { GRANT_IDS } from '../../../src/slack/blocks/grant-dm.js';
import { ENABLE_ACTION, INVENTORY_LIMITS } from '../../../src/slack/blocks/home-inventory.js';
import { CANCEL_ACTION, homeView, REQUEST_LIMITS, type HomeInput } from '../../../src/slack/blocks/home.js';
import { validateView } from '../../support/block-kit.js';
import { HOSTILE, hostileIsInert, port, request, T0 } from './fixtures.js';

const NOW = T0 + 3600_000;

function configured(name: string, overrides: Partial<ConfiguredVm> = {}): ConfiguredVm {
  return { id: name, name, backend: 'memory', ports: [port(22)], approvedRecently: 0, activeGrants: [], ...overrides };
}

function inventory(overrides: Partial<Inventory> = {}): Inventory {
  return { configured: [], notConfigured: [], unsupported: [], failures: [], ...overrides };
}

function view(overrides: Partial<HomeInput> = {}) {
  return homeView({ inventory: inventory(), mine: [], awaiting: [], isAdmin: false, now: NOW, ...overrides });
}

type Block = { type: string; text?: { text: string }; accessory?: Button; elements?: (Button & { text?: { text: string } })[] };
type Button = { type: string; action_id?: string; value?: string; text: { text: string } };

const blocksOf = (v: ReturnType<typeof homeView>) => v.blocks as unknown as Block[];
const headers = (v: ReturnType<typeof homeView>) =>
  blocksOf(v)
    .filter((b) => b.type === 'header')
    .map((b) => b.text!.text);
const texts = (v: ReturnType<typeof homeView>) => JSON.stringify(v.blocks);
const buttons = (v: ReturnType<typeof homeView>) =>
  blocksOf(v)
    .flatMap((b) => [...(b.accessory ? [b.accessory] : []), ...(b.type === 'actions' ? (b.elements ?? []) : [])])
    .map((e) => [e.text.text, e.action_id, e.value]);

const many = <T>(count: number, make: (i: number) => T): T[] => Array.from({ length: count }, (_, i) => make(i));
const pad = (i: number) => String(i).padStart(3, '0');

describe('homeView', () => {
  it('homeView_noVmsNoRequests_isValid_andShowsEveryGroupEmpty', () => {
    const home = view();
    expect(validateView(home)).toEqual([]);
    // A backend that lists nothing beyond the policy leaves no empty Not configured / Unsupported headers behind.
    expect(headers(home)).toEqual(['Just-in-time VM access', 'Your requests', 'Configured VMs (0)']);
    expect(texts(home)).not.toMatch(/not configured|unsupported/i);
    expect(texts(home)).toContain('You have no pending or active requests');
    expect(buttons(home)).toEqual([]);
  });

  it('homeView_oneVm_showsItsPortsRecentApprovalsLastAccessAndOpenGrants', () => {
    const vm = configured('web-1', {
      ports: [port(22), port(3389, { maxDurationSeconds: 3600 })],
      approvedRecently: 2,
      lastAccess: { at: T0, user: 'U0LAST' },
      activeGrants: [{ id: 'k7m2qp', requester: 'U0OPEN', ports: [{ number: 22, protocol: 'TCP' }], endAt: NOW + 1800_000 }],
    });
    const home = view({ inventory: inventory({ configured: [vm] }) });
    expect(validateView(home)).toEqual([]);
    const section = blocksOf(home).find((b) => b.text?.text.startsWith('*web-1*'))!.text!.text;
    expect(section).toContain('22/TCP (max 3h), 3389/TCP (max 1h)');
    expect(section).toContain('2 approved requests in the last 7 days');
    expect(section).toMatch(/last access <!date\^\d+\^.*> by <@U0LAST>/);
    expect(section).toMatch(/Open now: #k7m2qp <@U0OPEN> 22\/TCP until <!date\^\d+.*> \(30m left\)/);
  });

  it('homeView_azureVms_sayWhichGuardAGrantOpens', () => {
    const home = view({
      isAdmin: true,
      inventory: inventory({
        configured: [configured('web-1', { backend: 'azure-nsg', guard: 'nsg' }), configured('app-1', { backend: 'azure-firewall', guard: 'both' })],
        notConfigured: [{ id: 'spare', name: 'spare', backend: 'azure-firewall', guard: 'firewall' }],
      }),
    });
    expect(validateView(home)).toEqual([]);
    const lines = blocksOf(home).flatMap((b) => (b.text ? [b.text.text.split('\n')[0]] : []));
    expect(lines).toContain('*web-1* · 22/TCP (max 3h) · backend `azure-nsg` · guarded by NSG');
    expect(lines).toContain('*app-1* · 22/TCP (max 3h) · backend `azure-firewall` · guarded by NSG + Azure Firewall');
    expect(lines).toContain('• *spare* (`azure-firewall` · guarded by Azure Firewall)');
  });

  it('homeView_500VmsInEveryGroupAndManyRequests_staysWithinSlacksLimits_andCountsTheRest', () => {
    const home = view({
      isAdmin: true,
      inventory: inventory({
        configured: many(500, (i) => `vm-${pad(i)}`).map((name) =>
          configured(name, { activeGrants: many(9, (j) => ({ id: `g${pad(j)}xx`, requester: 'U0X', ports: [], endAt: NOW })) }),
        ),
        notConfigured: many(500, (i) => ({
          id: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/spare-${pad(i)}`,
          name: `spare-${pad(i)}`,
          backend: 'azure-nsg',
        })),
        unsupported: many(500, (i) => ({
          id: `old-${pad(i)}`,
          name: `old-${pad(i)}`,
          backend: 'azure-nsg',
          reason: 'no network security group guards it '.repeat(5),
        })),
        failures: many(20, (i) => ({ backend: `b${i}`, error: 'x'.repeat(2000) })),
      }),
      mine: many(40, (i) => request({ id: `m${pad(i)}aa`, state: i % 2 ? 'active' : 'pending', endAt: NOW + 60_000 })),
      awaiting: many(40, (i) => request({ id: `w${pad(i)}aa`, justification: 'j'.repeat(5000) })),
    });
    expect(validateView(home)).toEqual([]);
    expect(home.blocks.length).toBeLessThanOrEqual(100);
    expect(buttons(home).filter(([, action]) => action === ENABLE_ACTION)).toHaveLength(INVENTORY_LIMITS.notConfigured);
    expect(buttons(home).filter(([, action]) => action === CANCEL_ACTION || action === GRANT_IDS.revoke)).toHaveLength(REQUEST_LIMITS.mine);
    expect(buttons(home).filter(([, action]) => action === APPROVAL_IDS.approve)).toHaveLength(REQUEST_LIMITS.awaiting);
    const all = texts(home);
    expect(all).toContain(`…and ${500 - INVENTORY_LIMITS.configured} more`);
    expect(all).toContain(`…and ${500 - INVENTORY_LIMITS.notConfigured} more`);
    expect(all).toContain('…and 30 more: `/jit list`');
    expect(all).toContain('…and 32 more');
    expect(all).toContain('and 6 more');
  });

  it('homeView_yourRequests_pendingGetCancel_grantedGetRevoke_closingGetsNone', () => {
    const mine = [
      request({ id: 'pend01', state: 'pending' }),
      request({ id: 'open01', state: 'active', endAt: NOW + 600_000 }),
      request({ id: 'appr01', state: 'approved' }),
      request({ id: 'shut01', state: 'closing' }),
    ];
    const home = view({ mine });
    expect(validateView(home)).toEqual([]);
    expect(buttons(home)).toEqual([
      ['Cancel', CANCEL_ACTION, 'pend01'],
      ['Revoke', GRANT_IDS.revoke, 'open01'],
      ['Revoke', GRANT_IDS.revoke, 'appr01'],
    ]);
    expect(texts(home)).toMatch(/#shut01.*closing/);
  });

  it('homeView_aWaitingBatch_isOneItem_whoseCancelNamesTheLeader_whileOpenMembersAreRevokedOneByOne', () => {
    const mine = [
      request({ id: 'lead01', batchId: 'lead01', vm: 'web-1' }),
      request({ id: 'memb01', batchId: 'lead01', vm: 'db-1' }),
      request({ id: 'memb02', batchId: 'lead02', vm: 'web-1', state: 'active', endAt: NOW + 60_000 }),
      request({ id: 'lead02', batchId: 'lead02', vm: 'db-1', state: 'active', endAt: NOW + 60_000 }),
    ];
    const home = view({ mine });
    expect(buttons(home)).toEqual([
      ['Cancel', CANCEL_ACTION, 'lead01'],
      ['Revoke', GRANT_IDS.revoke, 'memb02'],
      ['Revoke', GRANT_IDS.revoke, 'lead02'],
    ]);
    expect(texts(home)).toContain(
      '*#lead01* · 2 VMs from 198.51.100.7/32 · for 1h 30m\\n• *web-1* 22/TCP: waiting, 0 of 1 approval\\n• *db-1* 22/TCP: waiting, 0 of 1 approval',
    );
  });

  it('homeView_forAnApprover_listsWaitingRequestsWithTheApprovalMessagesButtons', () => {
    const awaiting = [request({ id: 'wait01', requester: 'U0ASKER', approvals: ['U0FIRST'], decision: { ...request().decision, approvalsNeeded: 2 } })];
    const home = view({ awaiting });
    expect(validateView(home)).toEqual([]);
    expect(headers(home)).toContain('Waiting for your approval (1)');
    expect(buttons(home)).toEqual([
      ['Approve', APPROVAL_IDS.approve, 'wait01'],
      ['Deny', APPROVAL_IDS.deny, 'wait01'],
    ]);
    expect(texts(home)).toContain('1 of 2 approvals (<@U0FIRST>)');
    expect(headers(view())).not.toContain('Waiting for your approval (0)');
  });

  it('homeView_enableJit_isOfferedToAdminsOnly', () => {
    const inv = inventory({
      notConfigured: [{ id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/spare', name: 'spare', backend: 'azure-nsg' }],
    });
    expect(buttons(view({ inventory: inv, isAdmin: true }))).toEqual([['Enable JIT', ENABLE_ACTION, inv.notConfigured[0]!.id]]);
    const plain = view({ inventory: inv, isAdmin: false });
    expect(buttons(plain)).toEqual([]);
    expect(texts(plain)).toContain('*spare* (`azure-nsg`)');
    expect(texts(plain)).toContain('Ask an admin to enable JIT');
  });

  it('homeView_unsupportedVms_showTheirReason_andFailedBackendsAreNamed', () => {
    const home = view({
      inventory: inventory({
        unsupported: [{ id: 'old', name: 'old', backend: 'azure-nsg', reason: 'no network security group guards it' }],
        failures: [{ backend: 'azure-nsg', error: 'HTTP 403 AuthorizationFailed' }],
      }),
    });
    expect(validateView(home)).toEqual([]);
    expect(texts(home)).toContain('• *old* (`azure-nsg`): no network security group guards it');
    expect(texts(home)).toContain('Could not list the VMs of backend `azure-nsg`: HTTP 403 AuthorizationFailed');
  });

  it('homeView_hostileTextFromRequestsAndBackends_isInert', () => {
    const home = view({
      isAdmin: true,
      inventory: inventory({
        configured: [configured('web-1', { problem: HOSTILE, backend: HOSTILE })],
        notConfigured: [{ id: 'x', name: HOSTILE, backend: 'memory' }],
        unsupported: [{ id: 'y', name: 'y', backend: 'memory', reason: HOSTILE }],
        failures: [{ backend: 'memory', error: HOSTILE }],
      }),
      awaiting: [request({ justification: HOSTILE, vm: HOSTILE })],
      mine: [request({ vm: HOSTILE, id: 'mine01' })],
    });
    expect(validateView(home)).toEqual([]);
    for (const block of blocksOf(home)) if (block.text) expect(hostileIsInert(block.text.text)).toBe(true);
  });
});
