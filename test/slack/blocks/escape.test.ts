import { describe, expect, it } from 'vitest';
import { approverMention, escapeMrkdwn, escapeTruncated, mentionList, slackDate, truncate, userMention } from '../../../src/slack/blocks/escape.js';

describe('escapeMrkdwn', () => {
  it.each([
    ['<!channel>', '&lt;!channel&gt;'],
    ['<https://evil|x>', '&lt;https://evil|x&gt;'],
    ['a & b', 'a &amp; b'],
    ['&lt;', '&amp;lt;'],
    ['plain', 'plain'],
  ])('escape_%s', (input, expected) => {
    expect(escapeMrkdwn(input)).toBe(expected);
  });
});

describe('slackDate', () => {
  it('slackDate_defaultFormat_hasSecondsFormatAndIsoFallback', () => {
    expect(slackDate(Date.UTC(2023, 10, 14, 22, 13, 20, 999))).toBe('<!date^1700000000^{date_short_pretty} {time}|2023-11-14T22:13:20Z>');
  });
  it('slackDate_customFormat_isUsed', () => {
    expect(slackDate(1_700_000_000_000, '{time}')).toBe('<!date^1700000000^{time}|2023-11-14T22:13:20Z>');
  });
  it('slackDate_notFinite_isPlainText', () => {
    expect(slackDate(Number.NaN)).toBe('an unknown time');
  });
});

describe('truncate', () => {
  it('truncate_short_isUnchanged', () => expect(truncate('abc', 3)).toBe('abc'));
  it('truncate_long_endsWithEllipsisAtMax', () => {
    const out = truncate('abcdef', 4);
    expect(out).toBe('abc…');
    expect(out.length).toBe(4);
  });
  it('truncate_neverSplitsSurrogatePair', () => {
    const out = truncate('ab😀cd', 4);
    expect(out).toBe('ab…');
  });
});

describe('escapeTruncated', () => {
  it('escapeTruncated_neverCutsAnEntity', () => {
    const out = escapeTruncated('&&&&&&&&', 12);
    expect(out.length).toBeLessThanOrEqual(12);
    expect(out).toBe('&amp;&amp;…');
  });
  it('escapeTruncated_fits_isJustEscaped', () => expect(escapeTruncated('<a>', 9)).toBe('&lt;a&gt;'));
});

describe('mentions', () => {
  it('userMention_userId_isMention', () => expect(userMention('U123ABC')).toBe('<@U123ABC>'));
  it('userMention_enterpriseId_isMention', () => expect(userMention('W123')).toBe('<@W123>'));
  it('userMention_notAnId_isEscapedText', () => expect(userMention('<!here>')).toBe('&lt;!here&gt;'));
  it('userMention_groupId_isNotAUserMention', () => expect(userMention('S123')).toBe('S123'));
  it('approverMention_group_isSubteam', () => expect(approverMention('S0OPS')).toBe('<!subteam^S0OPS>'));
  it('approverMention_user_isMention', () => expect(approverMention('U1')).toBe('<@U1>'));
  it('approverMention_lowercase_isEscapedText', () => expect(approverMention('u1>')).toBe('u1&gt;'));
  it('mentionList_overMax_countsTheRest', () => {
    expect(mentionList(['U1', 'U2', 'U3'], 2)).toBe('<@U1>, <@U2> and 1 more');
    expect(mentionList([])).toBe('nobody');
  });
});
