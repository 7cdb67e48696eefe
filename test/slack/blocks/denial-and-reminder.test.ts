import type { KnownBlock, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { approvalMessage, approvalResolvedMessage } from '../../../src/slack/blocks/approval.js';
import { auditReplyText } from '../../../src/slack/blocks/audit.js';
import { requesterDmText } from '../../../src/slack/blocks/dm.js';
import { approvalReminderText } from '../../../src/slack/blocks/reminder.js';
import { validateBlocks } from '../../support/block-kit.js';
import { HOSTILE, T0, hostileIsInert, request } from './fixtures.js';

const quorum = request().decision;
const twoNeeded = { ...quorum, approvalsNeeded: 2, denyEndsRequest: false };
const allText = (blocks: KnownBlock[]): string => JSON.stringify(blocks);
/** The outcome line: the section after what was asked (the context line with the ID and rule comes last). */
const lastSection = (blocks: KnownBlock[]): string => (blocks.filter((b) => b.type === 'section').at(-1) as SectionBlock).text?.text ?? '';

describe('the approval message with denials that did not end the request', () => {
  it('approvalMessage_withDenial_showsItInTheTally', () => {
    const msg = approvalMessage(request({ decision: twoNeeded, approvals: ['U0ALICE'], denials: ['U0BOB'] }));
    expect(allText(msg.blocks)).toContain('*1 of 2 approvals*: <@U0ALICE> · denied by <@U0BOB>');
    expect(allText(msg.blocks)).toContain('jit_approve');
    expect(validateBlocks(msg.blocks, 'message')).toEqual([]);
  });

  it('approvalMessage_denialOnly_showsNoApproversYet', () => {
    const text = allText(approvalMessage(request({ decision: twoNeeded, denials: ['U0BOB', 'U0CAROL'] })).blocks);
    expect(text).toContain('*0 of 2 approvals* · denied by <@U0BOB>, <@U0CAROL>');
  });

  it('approvalMessage_withoutDenials_tallyIsUnchanged', () => {
    const text = allText(approvalMessage(request({ decision: twoNeeded, approvals: ['U0ALICE'] })).blocks);
    expect(text).toContain('*1 of 2 approvals*: <@U0ALICE>');
    expect(text).not.toContain('denied');
  });

  it('approvalMessage_manyDenials_staysValid', () => {
    const denials = Array.from({ length: 300 }, (_, i) => `U${i}`);
    expect(validateBlocks(approvalMessage(request({ decision: twoNeeded, denials })).blocks, 'message')).toEqual([]);
  });

  it('approvalResolvedMessage_approvedOverADenial_keepsTheDenialOnRecord', () => {
    const msg = approvalResolvedMessage(
      request({ state: 'active', decision: twoNeeded, approvals: ['U0ALICE', 'U0CAROL'], denials: ['U0BOB'], endAt: T0 + 3_600_000 }),
      T0,
    );
    expect(lastSection(msg.blocks)).toMatch(/^Approved by <@U0ALICE>, <@U0CAROL> \(denied by <@U0BOB>\); access is open until <!date\^/);
    expect(allText(msg.blocks)).not.toContain('jit_approve');
  });

  it('approvalResolvedMessage_timedOutAfterADenial_saysWhoDenied', () => {
    const msg = approvalResolvedMessage(request({ state: 'timed_out', decision: twoNeeded, denials: ['U0BOB'] }));
    expect(lastSection(msg.blocks)).toBe('Timed out: nobody approved it in time (denied by <@U0BOB>)');
  });
});

describe('audit replies and DMs for the new events', () => {
  const pending = request({ decision: twoNeeded, approvals: ['U0ALICE'], denials: ['U0BOB'], justification: HOSTILE });

  it('auditReplyText_denialAdded_saysTheRequestStaysOpen', () => {
    const text = auditReplyText({ requestId: 'abc123', name: 'request.denial_added', actor: 'U0BOB', at: T0, detail: HOSTILE }, pending);
    expect(text).toMatch(/^<@U0BOB> denied; the rule lets the request wait for the other approvers \(1 of 2 approvals\): /);
    expect(hostileIsInert(text)).toBe(true);
  });

  it('auditReplyText_reminded_saysTheTally', () => {
    const text = auditReplyText({ requestId: 'abc123', name: 'request.reminded', actor: 'system', at: T0 }, pending);
    expect(text).toMatch(/^Approvers reminded: 1 of 2 approvals so far · <!date\^/);
  });

  it('requesterDmText_denialAdded_saysWhoDeniedAndWhatIsStillNeeded', () => {
    const text = requesterDmText('request.denial_added', pending);
    expect(text).toBe(
      'Your request #abc123 for 22/TCP on *web-1* was denied by <@U0BOB>, but it stays open: 1 more approval from the other approvers before it times out.',
    );
  });

  it('requesterDmText_reminded_isInert', () => {
    const text = requesterDmText('request.reminded', request({ vm: '<!channel>', decision: twoNeeded }));
    expect(text).toContain('still needs 2 more approvals');
    expect(hostileIsInert(text)).toBe(true);
  });
});

describe('approvalReminderText', () => {
  const deadline = T0 + 120_000;

  it('approvalReminderText_saysWhoAsksHowManyAreMissingAndWhen', () => {
    expect(approvalReminderText(request({ decision: twoNeeded, approvals: ['U0ALICE'] }), deadline)).toBe(
      `Reminder: request #abc123 from <@U0REQ> still needs 1 more approval; it times out <!date^${deadline / 1000}^{date_short_pretty} {time}|2024-01-15T09:02:00Z>.`,
    );
  });

  it('approvalReminderText_countsEachApproverOnceAndNamesDenials', () => {
    const text = approvalReminderText(
      request({ decision: { ...twoNeeded, approvalsNeeded: 3 }, approvals: ['U0ALICE', 'U0ALICE'], denials: ['U0BOB'] }),
      deadline,
    );
    expect(text).toContain('still needs 2 more approvals (denied so far by <@U0BOB>);');
  });

  it('approvalReminderText_hostileIds_areInert', () => {
    const text = approvalReminderText(request({ id: '<!channel>', requester: '<!here>' }), deadline);
    expect(hostileIsInert(text)).toBe(true);
    expect(text).not.toContain('<!here>');
  });
});
