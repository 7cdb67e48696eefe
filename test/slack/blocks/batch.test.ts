import type { ActionsBlock, Button } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { AccessRequest } from '../../../src/domain/types.js';
import { batchApprovalMessage, batchReminderText, batchSummaryText } from '../../../src/slack/blocks/batch.js';
import { requestListBlocks } from '../../../src/slack/blocks/list.js';
import { validateBlocks } from '../../support/block-kit.js';
import { HOSTILE, T0, hostileIsInert, request } from './fixtures.js';

function batch(count = 2, overrides: Partial<AccessRequest>[] = []): AccessRequest[] {
  return Array.from({ length: count }, (_, i) =>
    request({ id: i === 0 ? 'abc123' : `mem${i}22`, vm: `vm-${i}`, ports: [{ number: 22 + i, protocol: 'TCP' }], batchId: 'abc123', ...overrides[i] }),
  );
}

const buttons = (members: AccessRequest[]): Button[] =>
  batchApprovalMessage(members)
    .blocks.filter((b): b is ActionsBlock => b.type === 'actions')
    .flatMap((b) => b.elements as Button[]);

describe('batchApprovalMessage', () => {
  it('batchApprovalMessage_pending_listsEveryMemberWithOneApproveAndDenyForTheBatch', () => {
    const message = batchApprovalMessage(batch());
    const text = JSON.stringify(message.blocks);
    for (const fact of ['#abc123', '#mem122', 'vm-0', 'vm-1', '22/TCP', '23/TCP', '0 of 1 approval', 'deploy hotfix']) expect(text).toContain(fact);
    expect(buttons(batch()).map((b) => [b.text.text, b.value])).toEqual([
      ['Approve', 'abc123'],
      ['Deny', 'abc123'],
    ]);
    expect(validateBlocks(message.blocks, 'message')).toEqual([]);
  });

  it('batchApprovalMessage_noMemberPending_hasNoButtonsAndShowsEachOutcome', () => {
    const members = batch(2, [
      { state: 'active', approvals: ['U0APP1'], endAt: T0 + 3600_000 },
      { state: 'denied', decidedBy: 'U0APP1' },
    ]);
    const message = batchApprovalMessage(members, T0);
    expect(buttons(members)).toEqual([]);
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('Approved by <@U0APP1>; access is open until');
    expect(text).toContain('Denied by <@U0APP1>');
    expect(validateBlocks(message.blocks, 'message')).toEqual([]);
  });

  it('batchApprovalMessage_tenMembersAndHostileText_staysValidAndInert', () => {
    const members = batch(
      10,
      Array.from({ length: 10 }, () => ({ justification: HOSTILE, reason: HOSTILE, state: 'failed' as const })),
    );
    members[0] = { ...members[0]!, state: 'pending' };
    const message = batchApprovalMessage(members);
    expect(validateBlocks(message.blocks, 'message')).toEqual([]);
    expect(hostileIsInert(JSON.stringify(message))).toBe(true);
  });
});

describe('batch summaries', () => {
  it('batchSummaryText_listsEachMemberWithItsStateAndTheCommandsThatApply', () => {
    const text = batchSummaryText(batch(2, [{ state: 'active', endAt: T0 }, {}]), 'reply');
    expect(text).toMatch(/^Request #abc123 for 2 VMs/);
    expect(text).toContain('• #abc123 22/TCP on *vm-0*: open until');
    expect(text).toContain('• #mem122 23/TCP on *vm-1*: waiting for one approval');
    expect(text).toContain('/jit cancel abc123');
    expect(text).toContain('/jit revoke <id>');
  });

  it('batchReminderText_namesTheWaitingMembersOnce', () => {
    const text = batchReminderText(batch(2, [{ state: 'active' }, {}]), T0);
    expect(text).toContain('#abc123');
    expect(text).toContain('#mem122 (*vm-1*)');
    expect(text).not.toContain('#abc123 (*vm-0*)');
  });
});

describe('/jit list of a batch', () => {
  it('requestListBlocks_batchMembers_eachListedOnItsOwn_namingTheLeader', () => {
    const text = JSON.stringify(requestListBlocks(batch(), T0).blocks);
    expect(text).toContain('*#abc123* · *vm-0*');
    expect(text).toContain('*#mem122* · *vm-1* · 23/TCP from 198.51.100.7/32 · with #abc123');
    expect(text).not.toContain('vm-0* · 22/TCP from 198.51.100.7/32 · with');
  });
});
