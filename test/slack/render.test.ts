import { describe, expect, it } from 'vitest';
import { command, date, group, msg, user } from '../../src/domain/message.js';
import { REFUSAL_CODES, refusal, refusalMessage } from '../../src/domain/refusals.js';
import { mrkdwn, mrkdwnWithin } from '../../src/slack/render.js';
import { HOSTILE, sample } from '../support/refusal-samples.js';
import { TODAY } from '../support/today-refusals.js';

describe('mrkdwn parts', () => {
  it('mrkdwn_text_isEscaped', () => {
    expect(mrkdwn(['a <!channel> & <@U1> > b'])).toBe('a &lt;!channel&gt; &amp; &lt;@U1&gt; &gt; b');
  });

  it('mrkdwn_user_isAMention_butSystemIsText', () => {
    expect(mrkdwn(msg`${user('U0123ALICE')} ${user('W42')} ${user('system')} ${user('<!here>')}`)).toBe('<@U0123ALICE> <@W42> system &lt;!here&gt;');
  });

  it('mrkdwn_group_isASubteamMention', () => {
    expect(mrkdwn([group('S0123SRE')])).toBe('<!subteam^S0123SRE>');
  });

  it('mrkdwn_command_getsItsSlashAndCodeSpan', () => {
    expect(mrkdwn(msg`use ${command('jit cancel k7m2qp')}`)).toBe('use `/jit cancel k7m2qp`');
    expect(mrkdwn([command('jit list')])).toBe('`/jit list`');
  });

  it('mrkdwn_commandWithControlCharacters_isEscapedAndKeepsItsCodeSpanClosed', () => {
    expect(mrkdwn([command('jit edit a<b>&`c`')])).toBe("`/jit edit a&lt;b&gt;&amp;'c'`");
  });

  it('mrkdwn_date_isADateTokenWithAUtcFallback', () => {
    expect(mrkdwn([date(Date.UTC(2026, 10, 28, 9))])).toBe('<!date^1795856400^{date_short_pretty} {time}|2026-11-28T09:00:00Z>');
    expect(mrkdwn([date(Number.NaN)])).toBe('an unknown time');
  });
});

describe('mrkdwn of the refusal catalogue', () => {
  it.each(TODAY)('mrkdwn_$name_isTheTextSlackShowedBefore', ({ refusal: r, today, slack }) => {
    expect(mrkdwn(refusalMessage(r))).toBe(slack ?? today);
  });

  it('mrkdwn_hostileTextInEveryPlace_neverPingsOrLinks', () => {
    expect(mrkdwn(refusalMessage(refusal('not_found', { id: HOSTILE })))).toBe(
      'There is no request #web&lt;1&gt; &amp; &lt;!channel&gt; &lt;@U666&gt;\n\u001b[31m. Check the ID with `/jit list`.',
    );
  });

  // Legitimate tokens are the ones a part produced; anything else with < or > came from text.
  const TOKEN = /<@[UW][A-Z0-9]+>|<!subteam\^S[A-Z0-9]+>|<!date\^\d+\^[^|>]+\|[^>]+>/g;

  it.each(REFUSAL_CODES)('mrkdwn_%s_withHostileParams_leavesNoControlCharacterUnescaped', (code) => {
    const text = mrkdwn(refusalMessage(sample(code)));
    const outsideTokens = text.replace(TOKEN, '');
    expect(outsideTokens).not.toMatch(/[<>]/);
    expect(outsideTokens.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
    expect(text).not.toContain('<@U666>');
    expect(text).not.toContain('<!channel>');
  });
});

describe('mrkdwnWithin', () => {
  it('mrkdwnWithin_short_isTheWholeMessage', () => {
    expect(mrkdwnWithin(msg`from ${user('U1')} & ${group('S1')}`, 100)).toBe('from <@U1> &amp; <!subteam^S1>');
  });

  it('mrkdwnWithin_cutAtAMention_dropsItWhole', () => {
    const text = mrkdwnWithin(msg`${'x'.repeat(10)}${user('U0123ALICE')} later`, 15);
    expect(text).toBe(`${'x'.repeat(10)}…`);
  });

  it('mrkdwnWithin_cutInText_neverSplitsAnEntity', () => {
    const text = mrkdwnWithin(msg`${user('U1')} ${'<'.repeat(50)}`, 20);
    expect(text.length).toBeLessThanOrEqual(20);
    expect(text).toMatch(/^<@U1> (&lt;)+…$/);
  });
});
