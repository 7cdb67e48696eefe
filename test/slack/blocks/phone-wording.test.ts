// The wording a phone shows, builder by builder: each VM of a batch with its
// own ports and tally, extensions and break-glass in their own words, "1 VM",
// and the limits kept with many VMs and long texts.

import type { SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { AccessRequest } from '../../../src/domain/types.js';
import { approvalResolvedMessage } from '../../../src/slack/blocks/approval.js';
import { auditReplyText, auditRootMessage } from '../../../src/slack/blocks/audit.js';
import { batchApprovalMessage, batchSummaryText } from '../../../src/slack/blocks/batch.js';
import { breakGlassMessage } from '../../../src/slack/blocks/break-glass.js';
import { requesterDmText } from '../../../src/slack/blocks/dm.js';
import { homeView } from '../../../src/slack/blocks/home.js';
import { approvalReminderText } from '../../../src/slack/blocks/reminder.js';
import { validateBlocks, validateView } from '../../support/block-kit.js';
import { HOSTILE, T0, hostileIsInert, request } from './fixtures.js';

const NOW = T0 + 600_000;
const home = (input: { mine?: AccessRequest[]; awaiting?: AccessRequest[] }) =>
  homeView({ inventory: { configured: [], notConfigured: [], unsupported: [], failures: [] }, mine: [], awaiting: [], isAdmin: false, now: NOW, ...input });
const sections = (blocks: unknown[]): string[] => (blocks as SectionBlock[]).map((b) => b.text?.text ?? '');

const breakGlass = (overrides: Parameters<typeof request>[0] = {}) =>
  request({
    state: 'active',
    startAt: T0,
    endAt: T0 + 3_600_000,
    decidedBy: 'U0REQ',
    decision: { effect: 'break_glass', approvalsNeeded: 0, approvers: ['U0APP1'], matchedRule: 'oncall', reasons: ['on-call emergency access'] },
    ...overrides,
  });

const extension = request({ id: 'ext001', kind: 'extension', extends: 'orig01', durationSeconds: 1800, extensionTotalSeconds: 7200 });

describe('a batch', () => {
  const members = [
    request({ id: 'lead01', batchId: 'lead01', vm: 'web-1', ports: [{ number: 22, protocol: 'TCP' }] }),
    request({
      id: 'memb01',
      batchId: 'lead01',
      vm: 'db-1',
      ports: [{ number: 5432, protocol: 'TCP' }],
      approvals: ['U0APP1'],
      decision: { ...request().decision, approvalsNeeded: 2 },
    }),
  ];

  it('homeAwaiting_batch_listsEveryVmWithItsOwnPortsAndTally', () => {
    const text = sections(home({ awaiting: members }).blocks).find((t) => t.includes('#lead01'))!;
    expect(text).toContain('• *web-1* 22/TCP: 0 of 1 approval');
    expect(text).toContain('• *db-1* 5432/TCP: 1 of 2 approvals (<@U0APP1>)');
  });

  it('batchApprovalMessage_sharedApprovers_areNamedOnce_andEachVmHasItsTally', () => {
    const { blocks } = batchApprovalMessage(members);
    const text = JSON.stringify(blocks);
    expect(text.match(/<!subteam\^S0OPS>/g)).toHaveLength(1);
    expect(text).toContain('*web-1* · 22/TCP\\n*0 of 1 approval*');
    expect(text).toContain('*db-1* · 5432/TCP\\n*1 of 2 approvals*: <@U0APP1>');
    expect(validateBlocks(blocks, 'message')).toEqual([]);
  });

  it('batchTexts_ofOneVm_sayVmNotVms', () => {
    const one = [members[0]!];
    expect(sections(batchApprovalMessage(one).blocks)[0]).toMatch(/asks for 1 VM\n/);
    expect(batchSummaryText(one, 'reply')).toContain('for 1 VM from');
  });

  it('batchApprovalMessage_tenHostileVms_staysWithinSlacksLimits', () => {
    const many = Array.from({ length: 10 }, (_, i) =>
      request({
        id: `m${i}`,
        batchId: 'm0',
        vm: `${HOSTILE}-${i}`.repeat(5),
        justification: HOSTILE.repeat(50),
        reason: HOSTILE,
        state: i % 2 ? 'denied' : 'pending',
      }),
    );
    const { blocks } = batchApprovalMessage(many, T0);
    expect(validateBlocks(blocks, 'message')).toEqual([]);
    expect(hostileIsInert(JSON.stringify(blocks))).toBe(true);
  });
});

describe('an extension', () => {
  it('homeMine_extension_saysWhichGrantItExtends', () => {
    expect(sections(home({ mine: [extension] }).blocks).join('\n')).toContain(
      '*#ext001* · extension of #orig01 (+30m) · *web-1* · 22/TCP\nWaiting: 0 of 1 approval',
    );
  });

  it('auditRootAndReminderAndResolvedMessage_extension_sayExtensionOf', () => {
    expect(JSON.stringify(auditRootMessage(extension).blocks)).toContain('*Extension request #ext001* · needs 1 approval');
    expect(approvalReminderText(extension, T0)).toMatch(/^Reminder: #ext001, an extension of #orig01 \(\+30m\) for <@U0REQ>, still needs 1 more approval/);
    const resolved = approvalResolvedMessage({ ...extension, state: 'closed', approvals: ['U0APP1'], reason: 'applied to #orig01' });
    expect(resolved.text).toBe('Extension request #ext001: Approved by <@U0APP1>; applied to #orig01');
  });
});

describe('break-glass', () => {
  it('auditRoot_breakGlass_saysOpenedWithoutApproval_reviewRequired', () => {
    const text = JSON.stringify(auditRootMessage(breakGlass()).blocks);
    expect(text).toContain('*Break-glass access #abc123* · opened without approval, review required');
    expect(text).toContain('<@U0REQ> opened 22/TCP on *web-1*');
    expect(text).not.toMatch(/needs 0 approvals|asks for/);
  });

  it('auditReply_breakGlassApproved_saysWhatHappened', () => {
    const line = auditReplyText({ name: 'request.approved', actor: 'U0REQ', at: T0, detail: 'break-glass: on-call emergency access' } as never, breakGlass());
    expect(line).toMatch(/^Opened by break-glass: <@U0REQ> took access without approval; review required \(on-call emergency access\) · <!date/);
  });

  it('homeAndDmAndAlert_breakGlass_sayReviewRequiredUntilReviewed', () => {
    expect(sections(home({ mine: [breakGlass()] }).blocks).join('\n')).toContain('(50m left) · opened by break-glass, review required');
    const reviewed = breakGlass({ acknowledgedBy: 'U0APP1', acknowledgedAt: T0 + 60_000 });
    expect(sections(home({ mine: [reviewed] }).blocks).join('\n')).toContain('opened by break-glass, reviewed');
    expect(requesterDmText('request.approved', breakGlass({ state: 'approved' }))).toBe(
      'Your break-glass request #abc123 for 22/TCP on *web-1* needs no approval: opening access now. An approver will review it afterwards.',
    );
    expect(JSON.stringify(breakGlassMessage(breakGlass()).blocks)).toContain('*Review required*');
    expect(JSON.stringify(breakGlassMessage(reviewed).blocks)).toContain('Reviewed: acknowledged by <@U0APP1>');
    expect(validateBlocks(breakGlassMessage(breakGlass({ justification: HOSTILE.repeat(100) })).blocks, 'message')).toEqual([]);
  });
});

describe('the requester’s Home', () => {
  it('homeView_manyHostileRequests_staysValid', () => {
    const mine = Array.from({ length: 12 }, (_, i) => request({ id: `r${i}`, vm: HOSTILE, batchId: i < 6 ? 'r0' : undefined, source: '0.0.0.0/0' }));
    const view = home({ mine, awaiting: mine });
    expect(validateView(view)).toEqual([]);
    expect(hostileIsInert(JSON.stringify(view.blocks))).toBe(true);
    expect(JSON.stringify(view.blocks)).toContain(':warning: from any address (0.0.0.0/0)');
  });
});
