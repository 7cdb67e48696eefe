import type { ActionsBlock, Button, KnownBlock, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { RequestState } from '../../../src/domain/types.js';
import { APPROVAL_IDS, approvalMessage, approvalResolvedMessage } from '../../../src/slack/blocks/approval.js';
import { validateBlocks } from '../../support/block-kit.js';
import { HOSTILE, T0, hostileIsInert, request } from './fixtures.js';

const allText = (blocks: KnownBlock[]): string => JSON.stringify(blocks);
const actions = (blocks: KnownBlock[]): ActionsBlock[] => blocks.filter((b): b is ActionsBlock => b.type === 'actions');

describe('approvalMessage', () => {
  it('approvalMessage_pending_hasExactlyApproveAndDenyButtons', () => {
    const { blocks } = approvalMessage(request());
    const [block, ...others] = actions(blocks);
    expect(others).toHaveLength(0);
    expect(block?.block_id).toBe('jit_decision');
    const buttons = (block?.elements ?? []) as Button[];
    expect(buttons.map((b) => b.text.text)).toEqual(['Approve', 'Deny']);
    expect(buttons.map((b) => b.action_id)).toEqual([APPROVAL_IDS.approve, APPROVAL_IDS.deny]);
    expect(buttons.map((b) => b.action_id)).toEqual(['jit_approve', 'jit_deny']);
    expect(buttons.map((b) => b.style)).toEqual(['primary', 'danger']);
    expect(buttons.map((b) => b.value)).toEqual(['abc123', 'abc123']);
  });

  it('approvalMessage_showsTallyAndApproversSoFar', () => {
    const text = allText(approvalMessage(request({ approvals: ['U0APP1'], decision: { ...request().decision, approvalsNeeded: 2 } })).blocks);
    expect(text).toContain('1 of 2 approvals');
    expect(text).toContain('<@U0APP1>');
    expect(text).toContain('<!subteam^S0OPS>');
    expect(allText(approvalMessage(request()).blocks)).toContain('0 of 1 approval');
  });

  it('approvalMessage_showsWhoWhatFromWhereHowLongWhy_thenTheIdAndRuleOnceInSmallPrint', () => {
    const { blocks } = approvalMessage(
      request({
        ports: [
          { number: 22, protocol: 'TCP' },
          { number: 3389, protocol: 'TCP' },
        ],
      }),
    );
    expect(blocks.map((b) => b.type)).toEqual(['section', 'section', 'actions', 'context']);
    expect((blocks[0] as SectionBlock).text?.text).toBe('<@U0REQ> asks for 22/TCP, 3389/TCP on *web-1*\nfrom 198.51.100.7/32 · for 1h 30m\n> deploy hotfix');
    const text = allText(blocks);
    expect(text.match(/#abc123/g)).toHaveLength(1);
    expect(text.match(/prod-needs-approval/g)).toHaveLength(1);
    expect(text).toContain('rule `prod-needs-approval`: web-1 is tagged env=prod');
    expect(blocks.some((b) => b.type === 'section' && 'fields' in b && b.fields !== undefined)).toBe(false);
  });

  it.each([
    ['*', ':warning: from any address ·'],
    ['0.0.0.0/0', ':warning: from any address (0.0.0.0/0) ·'],
    ['::/0', ':warning: from any address (::/0) ·'],
  ])('approvalMessage_source%s_isWarnedAbout', (source, warning) => {
    expect(allText(approvalMessage(request({ source })).blocks)).toContain(warning);
    expect(allText(approvalMessage(request()).blocks)).not.toContain(':warning:');
  });

  it('approvalMessage_extension_saysWhichGrantItExtendsAndByHowMuch', () => {
    const extension = request({ kind: 'extension', extends: 'orig42', durationSeconds: 1800, extensionTotalSeconds: 7200 });
    const { text, blocks } = approvalMessage(extension);
    expect((blocks[0] as SectionBlock).text?.text).toMatch(
      /^<@U0REQ> asks for an extension of #orig42 \(\+30m\): 22\/TCP on \*web-1\*\nfrom 198\.51\.100\.7\/32 · 2h in all/,
    );
    expect(text).toMatch(/^Extension request #abc123: <@U0REQ> asks for an extension of #orig42 \(\+30m\)/);
  });

  it('approvalMessage_hostileJustification_isInert', () => {
    const msg = approvalMessage(request({ justification: HOSTILE, vm: '<!here>' }));
    expect(hostileIsInert(allText(msg.blocks))).toBe(true);
    expect(hostileIsInert(msg.text)).toBe(true);
    expect(allText(msg.blocks)).toContain('&lt;!channel&gt;');
    expect(msg.text).not.toContain('<!here>');
  });

  it('approvalMessage_hugeInputs_staysWithinBlockKitLimits', () => {
    const msg = approvalMessage(
      request({
        justification: '<&>'.repeat(5000),
        vm: 'v'.repeat(500),
        approvals: Array.from({ length: 300 }, (_, i) => `U${i}`),
        decision: {
          ...request().decision,
          approvers: Array.from({ length: 300 }, (_, i) => `S${i}`),
          reasons: ['r'.repeat(5000)],
          matchedRule: 'x'.repeat(300),
        },
        id: 'i'.repeat(200),
      }),
    );
    expect(validateBlocks(msg.blocks, 'message')).toEqual([]);
  });

  it('approvalMessage_typical_isValidBlockKit', () => {
    expect(validateBlocks(approvalMessage(request()).blocks, 'message')).toEqual([]);
  });
});

describe('approvalResolvedMessage', () => {
  const states: RequestState[] = ['approved', 'active', 'closing', 'closed', 'failed', 'denied', 'cancelled', 'timed_out', 'pending'];

  it.each(states)('approvalResolvedMessage_%s_hasNoActionsAndIsValid', (state) => {
    const msg = approvalResolvedMessage(request({ state, approvals: ['U0APP1'], decidedBy: 'U0APP2', reason: HOSTILE, endAt: T0 + 3_600_000 }), T0);
    expect(actions(msg.blocks)).toHaveLength(0);
    expect(validateBlocks(msg.blocks, 'message')).toEqual([]);
    expect(hostileIsInert(allText(msg.blocks))).toBe(true);
    expect(hostileIsInert(msg.text)).toBe(true);
    expect(msg.text.length).toBeGreaterThan(0);
  });

  /** The outcome line: the last section (the context line with the ID and rule comes after it). */
  const outcome = (msg: { blocks: KnownBlock[] }): string => (msg.blocks.filter((b) => b.type === 'section').at(-1) as SectionBlock).text?.text ?? '';

  it('approvalResolvedMessage_approved_namesApprovers', () => {
    expect(outcome(approvalResolvedMessage(request({ state: 'approved', approvals: ['U1'] })))).toBe('Approved by <@U1>');
  });
  it('approvalResolvedMessage_denied_namesDenierAndReason', () => {
    expect(outcome(approvalResolvedMessage(request({ state: 'denied', decidedBy: 'U2', reason: 'not now' })))).toBe('Denied by <@U2>: not now');
  });
  it('approvalResolvedMessage_cancelledByRequester_saysSo', () => {
    expect(outcome(approvalResolvedMessage(request({ state: 'cancelled', decidedBy: 'U0REQ' })))).toBe('Cancelled by the requester');
  });
  it('approvalResolvedMessage_timedOut_saysSo', () => {
    expect(outcome(approvalResolvedMessage(request({ state: 'timed_out', decidedBy: 'system' })))).toMatch(/^Timed out/);
  });
  it('approvalResolvedMessage_withTime_showsSlackDate', () => {
    expect(outcome(approvalResolvedMessage(request({ state: 'denied', decidedBy: 'U2' }), T0))).toContain(`<!date^${T0 / 1000}^`);
  });
  it('approvalResolvedMessage_autoApproved_namesRule', () => {
    const msg = approvalResolvedMessage(request({ state: 'approved', decision: { ...request().decision, effect: 'approve', matchedRule: 'dev-auto' } }));
    expect(outcome(msg)).toBe('Approved automatically by rule `dev-auto`');
  });
});
