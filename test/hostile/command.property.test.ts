// Hostile input against the /jit grammar and the draft validators: whatever is
// typed, each returns a result (never throws), a refusal says what is wrong in
// under 2,000 characters, and nothing it accepts lies outside the policy.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBatchInput, MAX_BATCH_VMS, validateBatchDraft } from '../../src/domain/batch-draft.js';
import { validateDraft, type DraftInput } from '../../src/domain/draft.js';
import { MAX_COMMAND_TEXT, parseJitCommand, type JitCommand } from '../../src/slack/command.js';
import { MAX_AUDIT_DAYS } from '../../src/slack/audit-command.js';
import { VM_NAME } from '../../src/domain/policy/schema.js';
import { commandTextArb, draftFields, draftInputArb, longText, NASTY_FRAGMENTS } from './arbitraries.js';
import {
  expectClearProblems,
  expectGrantable,
  loadValidatorPolicy,
  MESSAGE_MAX,
  nearValidBatchArb,
  nearValidInputArb,
  typedPortNumbers,
} from './policy-oracle.js';

const policy = loadValidatorPolicy();
const snapshot = structuredClone(policy);
const ID = /^[23456789abcdefghjkmnpqrstuvwxyz]{6}$/;

/** What every parse result must satisfy, whatever the text. */
function expectWellFormedCommand(text: string, command: JitCommand): void {
  switch (command.kind) {
    case 'invalid':
      expect(command.message.trim().length).toBeGreaterThan(0);
      expect(command.message.length).toBeLessThan(MESSAGE_MAX);
      return;
    case 'request':
    case 'explain':
      expect(text.length).toBeLessThanOrEqual(MAX_COMMAND_TEXT);
      for (const word of [command.vm, command.ports, command.source, command.duration]) expect(word).toMatch(/^\S+$/);
      if (command.kind === 'request') expect(command.justification).toBe(command.justification.trim());
      return;
    case 'cancel':
    case 'revoke':
    case 'extend':
      expect(command.id).toMatch(ID);
      if (command.kind === 'extend' && command.duration !== undefined) expect(command.duration).toMatch(/^\S+$/);
      return;
    case 'vms':
      if (command.filter !== undefined) expect(command.filter).toMatch(/^[A-Za-z0-9._*?-]{1,64}$/);
      return;
    case 'audit':
      expect(Number.isInteger(command.days) && command.days >= 1 && command.days <= MAX_AUDIT_DAYS).toBe(true);
      if (command.vm !== undefined) expect(command.vm).toMatch(VM_NAME);
      return;
    default:
      expect(['request_modal', 'list', 'breakglass', 'help']).toContain(command.kind);
  }
}

/** Single or batch validation as the workflow routes it, with the refusal or the acceptance checked. */
function expectValidatedSafely(input: DraftInput): 'accepted' | 'refused' {
  if (isBatchInput(input.vm)) {
    const result = validateBatchDraft(input, policy);
    if (!result.ok) {
      expectClearProblems(result.problems);
      return 'refused';
    }
    const numbers = typedPortNumbers(input.ports);
    expect(numbers).toBeDefined();
    expect(result.members.length).toBeGreaterThan(0);
    expect(result.members.length).toBeLessThanOrEqual(MAX_BATCH_VMS);
    expect(new Set(result.members.map((m) => m.vm.name)).size).toBe(result.members.length);
    const typedNames = input.vm
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean);
    for (const { draft, vm } of result.members) {
      expect(typedNames).toContain(vm.name.toLowerCase());
      expectGrantable(policy, draft, vm, numbers ?? [], ['*', 'any'].includes(input.source.trim().toLowerCase()) ? undefined : input.source);
    }
    return 'accepted';
  }
  const result = validateDraft(input, policy);
  if (!result.ok) {
    expectClearProblems(result.problems);
    return 'refused';
  }
  expect(input.vm.trim().toLowerCase()).toBe(result.vm.name.toLowerCase());
  expect(result.draft.requester).toBe(input.requester.trim());
  expect(result.draft.justification).toBe(input.justification.trim());
  const numbers = typedPortNumbers(input.ports);
  expect(numbers).toBeDefined();
  expectGrantable(policy, result.draft, result.vm, numbers ?? [], ['*', 'any'].includes(input.source.trim().toLowerCase()) ? undefined : input.source);
  return 'accepted';
}

describe('parseJitCommand under hostile text', () => {
  it('parseJitCommand_hostileText_returnsAWellFormedResult', () => {
    fc.assert(
      fc.property(commandTextArb, (text) => expectWellFormedCommand(text, parseJitCommand(text))),
      { numRuns: 500 },
    );
  });

  it('parseJitCommand_arbitraryUtf16UpToPastTheLimit_neverThrows', () => {
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 2_100 }), longText);
    fc.assert(
      fc.property(text, (t) => expectWellFormedCommand(t, parseJitCommand(t))),
      { numRuns: 300 },
    );
  });

  it('parseJitCommand_overTheLimit_isRefusedWithTheLength', () => {
    fc.assert(
      fc.property(fc.integer({ min: MAX_COMMAND_TEXT + 1, max: 20_000 }), fc.constantFrom(...NASTY_FRAGMENTS), (length, fragment) => {
        const text = `request web-1 22 203.0.113.7 1h ${fragment.repeat(length)}`.slice(0, length);
        const command = parseJitCommand(text);
        expect(command).toMatchObject({ kind: 'invalid', message: expect.stringContaining(String(length)) });
      }),
      { numRuns: 100 },
    );
  });

  const table: [behaviour: string, text: string, expected: Partial<JitCommand> | RegExp][] = [
    ['nulByteVerb_isUnknown', '\u0000request web-1 22 1.2.3.4 1h', /is not a \/jit command/],
    ['rtlOverrideVerb_isUnknown', '\u202erequest web-1 22 1.2.3.4 1h', /is not a \/jit command/],
    ['channelPingAsVerb_isUnknownAndQuotedShort', '<!channel>'.repeat(50), /is not a \/jit command/],
    ['zeroWidthInsideId_isNotAnId', 'cancel k7m2\u200bqp', /not a request ID/],
    ['fullWidthId_isNotAnId', 'cancel ｋ７ｍ２ｑｐ', /not a request ID/],
    ['idWithLookAlikeZero_isNotAnId', 'revoke k7m20p', /not a request ID/],
    ['idWithLookAlikeOneAndL_isNotAnId', 'revoke k71lqp', /not a request ID/],
    ['idTooLong_isNotAnId', 'cancel k7m2qpq', /not a request ID/],
    ['cancelWithTwoIds_showsUsage', 'cancel k7m2qp k7m2qq', /Usage/],
    ['extendWithThreeArguments_showsUsage', 'extend k7m2qp 1h now', /Usage/],
    ['listWithArguments_isRefused', 'list <!here>', /takes no arguments/],
    ['breakglassWithArguments_isRefused', 'breakglass now', /takes no arguments/],
    ['explainWithFiveArguments_showsUsage', 'explain web-1 22 1.2.3.4 1h extra', /Usage/],
    ['requestWithThreeArguments_showsUsage', 'request web-1 22 1.2.3.4', /needs a VM, ports, a source and a duration/],
    ['onlyWhitespaceAndNbsp_isHelp', ' \u00a0\t\n\u3000', { kind: 'help' }],
    ['empty_isHelp', '', { kind: 'help' }],
    ['hashUpperCaseId_isNormalised', 'cancel #K7M2QP', { kind: 'cancel', id: 'k7m2qp' }],
    ['newlinesBetweenWords_stillParse', 'request\nweb-1\n22\n203.0.113.7\n1h\nfix\nit', { kind: 'request', vm: 'web-1', justification: 'fix\nit' }],
    ['justificationWithMentions_isKeptAsTyped', 'request web-1 22 203.0.113.7 1h <!channel> <@U1>', { kind: 'request', justification: '<!channel> <@U1>' }],
    ['exactlyAtTheLimit_isParsed', `request web-1 22 203.0.113.7 1h ${'x'.repeat(MAX_COMMAND_TEXT - 32)}`, { kind: 'request' }],
    ['oneOverTheLimit_isRefused', `request web-1 22 203.0.113.7 1h ${'x'.repeat(MAX_COMMAND_TEXT - 31)}`, /2001 characters/],
  ];
  it.each(table)('%s', (_behaviour, text, expected) => {
    const command = parseJitCommand(text);
    expectWellFormedCommand(text, command);
    if (expected instanceof RegExp) expect(command).toMatchObject({ kind: 'invalid', message: expect.stringMatching(expected) });
    else expect(command).toMatchObject(expected);
  });
});

describe('draft validation under hostile fields', () => {
  it('validateDraft_hostileFields_refusesClearlyOrStaysInsidePolicy', () => {
    fc.assert(
      fc.property(draftInputArb, (input) => void expectValidatedSafely({ ...input, vm: input.vm.replace(/,/g, '') })),
      { numRuns: 500 },
    );
    expect(policy).toEqual(snapshot);
  });

  it('validateDraft_nearValidInput_acceptsOnlyWhatThePolicyAllows', () => {
    const outcomes = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(nearValidInputArb(policy), (input) => void (outcomes[expectValidatedSafely(input)] += 1)),
      { numRuns: 600 },
    );
    // Both sides of every bound are reached, or the "nothing accepted violates" half would prove nothing.
    expect(outcomes.accepted).toBeGreaterThan(30);
    expect(outcomes.refused).toBeGreaterThan(30);
    expect(policy).toEqual(snapshot);
  });

  it('validateBatchDraft_hostileFields_refusesClearlyOrStaysInsidePolicy', () => {
    const batch = fc.record({
      ...draftFields,
      vm: fc
        .array(fc.oneof(fc.constantFrom('web-1', 'DB-1', 'edge.box_9', 'web-1 ', ''), fc.string({ unit: 'binary', maxLength: 80 }), longText), {
          minLength: 2,
          maxLength: 14,
        })
        .map((names) => names.join(',')),
    });
    fc.assert(
      fc.property(batch, (input) => void expectValidatedSafely(input)),
      { numRuns: 400 },
    );
  });

  it('validateBatchDraft_nearValidInput_acceptsOnlyWhatThePolicyAllows', () => {
    const outcomes = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(nearValidBatchArb(policy), (input) => void (outcomes[expectValidatedSafely(input)] += 1)),
      { numRuns: 400 },
    );
    expect(outcomes.accepted).toBeGreaterThan(10);
    expect(outcomes.refused).toBeGreaterThan(30);
    expect(policy).toEqual(snapshot);
  });

  it('validators_fieldsThatAreNotText_refuseInsteadOfThrowing', () => {
    // A forged form can carry any JSON value where text belongs; Bolt's types do not check.
    const field = fc.oneof(fc.anything(), fc.constantFrom('web-1', '22', '203.0.113.7', '1h', ''));
    const input = fc.record({ requester: fc.constant('U0ALICE1'), vm: field, ports: field, source: field, duration: field, justification: field });
    fc.assert(
      fc.property(input, fc.anything(), (raw, text) => {
        const draft = raw as unknown as DraftInput;
        expect(() => isBatchInput(draft.vm)).not.toThrow();
        expect(() => parseJitCommand(text as string)).not.toThrow();
        expectWellFormedCommand(typeof text === 'string' ? text : '', parseJitCommand(text as string));
        if (typeof draft.vm === 'string' && isBatchInput(draft.vm)) return;
        const result = validateDraft(draft, policy);
        if (!result.ok) expectClearProblems(result.problems);
        else expect([draft.vm, draft.ports, draft.source, draft.duration].every((v) => typeof v === 'string')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('commandThenValidation_hostileText_refusesClearlyOrStaysInsidePolicy', () => {
    fc.assert(
      fc.property(commandTextArb, (text) => {
        const command = parseJitCommand(text);
        expectWellFormedCommand(text, command);
        if (command.kind !== 'request' && command.kind !== 'explain') return;
        expectValidatedSafely({ requester: 'U0ALICE1', justification: '', ...command });
      }),
      { numRuns: 400 },
    );
  });
});

describe('draft validation: hand-written nasty cases', () => {
  const base: DraftInput = { requester: 'U0ALICE1', vm: 'web-1', ports: '22', source: '203.0.113.7', duration: '1h', justification: '' };
  const refused: [behaviour: string, over: Partial<DraftInput>, field: string][] = [
    ['portZero', { ports: '0' }, 'ports'],
    ['port65536', { ports: '65536' }, 'ports'],
    ['portMinusOne', { ports: '-1' }, 'ports'],
    ['port1e309', { ports: '1e309' }, 'ports'],
    ['portFullWidthDigits', { ports: '２２' }, 'ports'],
    ['portMathDigits', { ports: '𝟐𝟐' }, 'ports'],
    ['portWithNul', { ports: '22\u0000' }, 'ports'],
    ['portHex', { ports: '0x16' }, 'ports'],
    ['portListedTwice', { ports: '22,022' }, 'ports'],
    ['portNotConfigured', { ports: '23' }, 'ports'],
    ['durationPT0S', { duration: 'PT0S' }, 'duration'],
    ['durationP99999D', { duration: 'P99999D' }, 'duration'],
    ['duration1e3h', { duration: '1e3h' }, 'duration'],
    ['durationNegative', { duration: '-1h' }, 'duration'],
    ['durationUnicodeMinus', { duration: '\u22121h' }, 'duration'],
    ['durationOneSecondOverTheMax', { duration: '3h1s' }, 'duration'],
    ['durationUnderThePortMinimum', { ports: '3389', duration: '9m59s' }, 'duration'],
    ['durationOverTheUdpMax', { vm: 'db-1', ports: '53', source: '198.51.100.7', duration: '31m' }, 'duration'],
    ['sourcePrefix33', { source: '1.2.3.4/33' }, 'source'],
    ['sourceMappedPrefix200', { source: '::ffff:1.2.3.4/200' }, 'source'],
    ['sourceHexOctet', { source: '0x7f.1' }, 'source'],
    ['sourceOctalOctet', { source: '0177.0.0.1' }, 'source'],
    ['sourceShortForm', { source: '127.1' }, 'source'],
    ['sourceWithPort', { source: '203.0.113.7:22' }, 'source'],
    ['sourceIpv4MappedInsideAllowedPrefix', { ports: '3389', source: '::ffff:203.0.113.7', duration: '30m' }, 'source'],
    ['sourceWiderThanAllowed', { ports: '3389', source: '203.0.113.0/23', duration: '30m' }, 'source'],
    ['sourceWholeFamilyOnRestrictedPort', { ports: '3389', source: '0.0.0.0/0', duration: '30m' }, 'source'],
    ['sourceStarOnRestrictedPort', { ports: '3389', source: '*', duration: '30m' }, 'source'],
    ['sourceAllowedForTcpButNotUdp', { vm: 'db-1', ports: '53', source: '10.1.2.3', duration: '10m' }, 'source'],
    ['sourceIpv4OnIpv6OnlyPort', { vm: 'Edge.Box_9', ports: '1', source: '203.0.113.7', duration: '1m' }, 'source'],
    ['sourceIpv4MappedOnAnySourcePort', { source: '::ffff:203.0.113.7' }, 'source'],
    ['sourceNat64OnIpv6AnyPort', { vm: 'Edge.Box_9', ports: '1', source: '64:ff9b::203.0.113.7', duration: '1m' }, 'source'],
    ['sourceDottedTailPrefix', { vm: 'Edge.Box_9', ports: '1', source: '::ffff:203.0.113.0/120', duration: '1m' }, 'source'],
    ['sourceWithNul', { source: '203.0.113.7\u0000' }, 'source'],
    ['vmCyrillicE', { vm: 'wеb-1' }, 'vm'],
    ['vmZeroWidthSpace', { vm: 'web-1\u200b' }, 'vm'],
    ['vmRtlOverride', { vm: '\u202eweb-1' }, 'vm'],
    ['vmEnDash', { vm: 'web–1' }, 'vm'],
    ['vmTooLong', { vm: 'w'.repeat(65) }, 'vm'],
    ['vmWildcard', { vm: 'web-*' }, 'vm'],
    ['batchWithOneHugeName', { vm: `web-1,${'x'.repeat(1_990)}` }, 'vm'],
    ['batchWithHugeDuplicate', { vm: `${'y'.repeat(995)},${'Y'.repeat(995)}` }, 'vm'],
    ['batchOfElevenVms', { vm: Array.from({ length: 11 }, (_, i) => `vm-${i}`).join(',') }, 'vm'],
    ['batchOfOnlyCommas', { vm: ',,,' }, 'vm'],
    ['justificationOverTheLimit', { justification: 'j'.repeat(1_001) }, 'justification'],
    ['justificationOfMentionsOverTheLimit', { justification: '<!channel>'.repeat(101) }, 'justification'],
  ];
  it.each(refused)('%s_isRefusedOnItsField', (_behaviour, over, field) => {
    const input = { ...base, ...over };
    const result = isBatchInput(input.vm) ? validateBatchDraft(input, policy) : validateDraft(input, policy);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expectClearProblems(result.problems);
      expect(result.problems.map((p) => p.field)).toContain(field);
    }
  });

  const accepted: [behaviour: string, over: Partial<DraftInput>][] = [
    ['highestPortAnyProtocolFullYear', { vm: 'edge.box_9', ports: '65535', source: '198.51.100.7', duration: 'P366D' }],
    ['lowestPortIpv6OneMinute', { vm: 'EDGE.BOX_9', ports: '1', source: '2001:db8::1', duration: '60s' }],
    ['portWithLeadingZeros', { ports: '00022' }],
    ['mentionsInTheJustification', { justification: ' <!channel> <https://evil.example|x> ' }],
    ['batchOfTwoWithSharedPorts', { vm: 'web-1, DB-1', ports: '22,5432', source: '10.1.2.3' }],
  ];
  it.each(accepted)('%s_isAcceptedInsidePolicy', (_behaviour, over) => {
    expect(expectValidatedSafely({ ...base, ...over })).toBe('accepted');
  });
});
