import { describe, expect, it } from 'vitest';
import type { AuditEventName } from '../../../src/domain/types.js';
import { extendedReplyText, GRANT_IDS, grantButtonValue, parseGrantButtonValue, requesterDmMessage } from '../../../src/slack/blocks/grant-dm.js';
import { parseJitCommand } from '../../../src/slack/command.js';
import { HOSTILE, T0, hostileIsInert, request } from './fixtures.js';

const active = request({ state: 'active', startAt: T0, endAt: T0 + 3_600_000, vm: 'web-1' });

function buttons(message: ReturnType<typeof requesterDmMessage>) {
  const actions = message.blocks?.find((b) => b.type === 'actions') as { elements: { action_id: string; text: { text: string }; value: string }[] } | undefined;
  return actions?.elements.map((e) => [e.action_id, e.text.text, e.value]) ?? [];
}

describe('requesterDmMessage', () => {
  it.each([
    [
      'grant.opened',
      [
        [GRANT_IDS.extend, 'Extend'],
        [GRANT_IDS.revoke, 'Revoke now'],
      ],
    ],
    [
      'grant.extended',
      [
        [GRANT_IDS.extend, 'Extend'],
        [GRANT_IDS.revoke, 'Revoke now'],
      ],
    ],
    ['grant.expiry_warning', [[GRANT_IDS.extend, 'Extend']]],
  ] as [AuditEventName, string[][]][])('requesterDmMessage_%s_carriesTheGrantsButtons', (event, expected) => {
    const message = requesterDmMessage(event, active);
    expect(buttons(message)).toEqual(expected.map(([id, text]) => [id, text, `abc123@${T0 + 3_600_000}`]));
    expect(message.text).toBe((message.blocks![0] as { text: { text: string } }).text.text);
  });

  it.each(['grant.closed', 'grant.closing', 'request.created'] as AuditEventName[])('requesterDmMessage_%s_isPlainText', (event) => {
    expect(requesterDmMessage(event, active).blocks).toBeUndefined();
  });

  it('requesterDmMessage_grantNoLongerActiveInTheSnapshot_hasNoButtons', () => {
    expect(requesterDmMessage('grant.opened', { ...active, state: 'closing' }).blocks).toBeUndefined();
  });

  it('requesterDmMessage_hostileText_isInert', () => {
    const message = requesterDmMessage('grant.extended', { ...active, vm: HOSTILE, reason: HOSTILE });
    expect(hostileIsInert(JSON.stringify(message.blocks))).toBe(true);
  });
});

describe('grant button values', () => {
  it.each([
    [grantButtonValue('abc234', 1_795_860_467_000), { id: 'abc234', endAt: 1_795_860_467_000 }],
    ['abc234', { id: 'abc234' }],
    ['ABC234@12', { id: 'abc234', endAt: 12 }],
    ['abc234@', undefined],
    ['abc234@12@13', undefined],
    ['abc234@-1', undefined],
    ['0o1il0@12', undefined],
    ['', undefined],
  ])('parseGrantButtonValue_%j', (value, expected) => {
    expect(parseGrantButtonValue(value)).toEqual(expected);
  });
});

describe('extendedReplyText', () => {
  it('extendedReplyText_saysHowMuchAndUntilWhen', () => {
    expect(extendedReplyText({ request: active, addedSeconds: 1800, capped: false })).toMatch(/^Request #abc123 is extended by 30m: open until <!date\^\d+\^/);
    expect(extendedReplyText({ request: active, addedSeconds: 1800, capped: true })).toContain('as much as the port maximum allows');
  });
});

describe('/jit extend', () => {
  it.each([
    ['extend k7m2qp', { kind: 'extend', id: 'k7m2qp' }],
    ['extend #K7M2QP 30m', { kind: 'extend', id: 'k7m2qp', duration: '30m' }],
  ])('parse_%j', (text, expected) => {
    expect(parseJitCommand(text)).toEqual(expected);
  });

  it.each([
    ['extend', /Usage: `\/jit extend <id> \[duration\]`/],
    ['extend k7m2qp 30m more', /Usage/],
    ['extend 0o1il0', /is not a request ID/],
  ])('parse_invalid_%s', (text, message) => {
    const parsed = parseJitCommand(text);
    expect(parsed.kind === 'invalid' && parsed.message).toMatch(message);
  });
});
