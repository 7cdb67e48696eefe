import { describe, expect, it } from 'vitest';
import type { AuditEventName } from '../../../src/domain/types.js';
import { auditReplyText, auditRootMessage } from '../../../src/slack/blocks/audit.js';
import { validateBlocks } from '../../support/block-kit.js';
import { HOSTILE, T0, hostileIsInert, request } from './fixtures.js';

const EVENTS: AuditEventName[] = [
  'request.created',
  'request.approval_added',
  'request.approved',
  'request.denied',
  'request.cancelled',
  'request.timed_out',
  'grant.opened',
  'grant.open_failed',
  'grant.closing',
  'grant.closed',
  'grant.close_failed',
];

describe('auditRootMessage', () => {
  it('auditRootMessage_showsEverythingAsked', () => {
    const msg = auditRootMessage(request());
    const text = JSON.stringify(msg.blocks);
    for (const s of [
      '#abc123',
      '<@U0REQ>',
      'web-1',
      '22/TCP',
      '198.51.100.7/32',
      '1h 30m',
      'deploy hotfix',
      'prod-needs-approval',
      'needs 1 approval',
      `<!date^${T0 / 1000}^`,
    ]) {
      expect(text).toContain(s);
    }
    expect(validateBlocks(msg.blocks, 'message')).toEqual([]);
  });

  it('auditRootMessage_hostileJustification_isInert', () => {
    const msg = auditRootMessage(request({ justification: HOSTILE }));
    expect(hostileIsInert(JSON.stringify(msg.blocks))).toBe(true);
    expect(hostileIsInert(msg.text)).toBe(true);
  });
});

describe('auditReplyText', () => {
  const snapshot = request({ state: 'active', approvals: ['U0APP1'], endAt: T0 + 5_400_000, reason: HOSTILE });

  it.each(EVENTS)('auditReplyText_%s_hasTextWithTime', (name) => {
    const text = auditReplyText({ requestId: 'abc123', name, actor: 'U0APP1', at: T0, detail: HOSTILE }, snapshot);
    expect(text.length).toBeGreaterThan(10);
    expect(text.length).toBeLessThan(3000);
    expect(text).toContain(`<!date^${T0 / 1000}^`);
    expect(hostileIsInert(text)).toBe(true);
  });

  const reply = (name: AuditEventName, actor: string, detail?: string) =>
    auditReplyText({ requestId: 'abc123', name, actor, at: T0, ...(detail === undefined ? {} : { detail }) }, snapshot);

  it('auditReplyText_approvalAdded_showsTally', () => {
    const text = auditReplyText(
      { requestId: 'abc123', name: 'request.approval_added', actor: 'U0APP1', at: T0 },
      request({ approvals: ['U0APP1'], decision: { ...request().decision, approvalsNeeded: 2 } }),
    );
    expect(text).toMatch(/^<@U0APP1> approved \(1 of 2 approvals\)/);
  });
  it('auditReplyText_approved_namesApprover', () => expect(reply('request.approved', 'U0APP1')).toMatch(/^Approved by <@U0APP1>/));
  it('auditReplyText_denied_hasReason', () => expect(reply('request.denied', 'U2', 'too risky')).toMatch(/^Denied by <@U2>: too risky/));
  it('auditReplyText_opened_hasEndTime', () => {
    expect(reply('grant.opened', 'system')).toContain(`until <!date^${(T0 + 5_400_000) / 1000}^`);
  });
  it('auditReplyText_openedThroughAFirewall_namesThePublicAddressAndPorts', () => {
    expect(reply('grant.opened', 'system', 'through 20.1.2.3:50022 → 22/TCP')).toMatch(/\^.*\|.*>, through 20\.1\.2\.3:50022 → 22\/TCP · </);
  });
  it('auditReplyText_openFailed_hasReason', () => expect(reply('grant.open_failed', 'system', 'nft: boom')).toContain('nft: boom'));
  it('auditReplyText_closingExpired_saysWhy', () => expect(reply('grant.closing', 'system', 'expired')).toMatch(/^Closing: the end time was reached/));
  it('auditReplyText_closingRevoked_namesWho', () => expect(reply('grant.closing', 'U7', 'revoked')).toMatch(/^Closing: revoked by <@U7>/));
  it('auditReplyText_closeFailed_hasReason', () => expect(reply('grant.close_failed', 'system', 'timeout')).toContain('timeout'));
  it('auditReplyText_cancelledByRequester_saysSo', () => expect(reply('request.cancelled', 'U0REQ')).toMatch(/^Cancelled by the requester/));
});
