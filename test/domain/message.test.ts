import { describe, expect, it } from 'vitest';
import { command, date, group, type Message, msg, plainText, principalList, principals, user, utcText } from '../../src/domain/message.js';
import { describePrincipals } from '../../src/domain/wording.js';

describe('msg', () => {
  it('msg_withValuesOfEveryKind_flattensThemInOrder', () => {
    const inner: Message = msg`by ${user('U1')}`;
    expect(msg`Request #${'abc123'} is ${3} ${inner} at ${date(5)} via ${command('jit list')}.`).toEqual([
      'Request #abc123 is 3 by ',
      { user: 'U1' },
      ' at ',
      { date: 5 },
      ' via ',
      { command: 'jit list' },
      '.',
    ]);
  });

  it('msg_mergesAdjacentTextAndDropsEmptyText', () => {
    expect(msg`${''}a${'b'}${['c', 'd']}${''}`).toEqual(['abcd']);
    expect(msg``).toEqual([]);
  });

  it('msg_keepsTextAsWritten_escapingIsTheRenderersJob', () => {
    expect(msg`${'<!channel> & <@U1>'}`).toEqual(['<!channel> & <@U1>']);
  });
});

describe('part helpers', () => {
  it('command_withALeadingSlash_dropsIt', () => {
    expect(command('/jit cancel k7m2qp')).toEqual({ command: 'jit cancel k7m2qp' });
    expect(command('jit list')).toEqual({ command: 'jit list' });
  });

  it('user_group_date_wrapTheirValue', () => {
    expect([user('U1'), group('S1'), date(0)]).toEqual([{ user: 'U1' }, { group: 'S1' }, { date: 0 }]);
  });
});

describe('principals', () => {
  const lists: string[][] = [['U1'], ['S1'], ['U1', 'U2'], ['U1', 'U2', 'U3'], ['S1', 'S2'], ['U1', 'S1'], ['U1', 'U2', 'S1', 'S2'], ['S1', 'U1', 'S2', 'W2']];

  it.each(lists)('principals_%s_readsLikeDescribePrincipals', (...ids) => {
    expect(plainText(principals(ids))).toBe(describePrincipals(ids));
  });

  it('principals_usersAndGroups_areNamedAsParts', () => {
    expect(principals(['U1', 'U2', 'S1', 'S2'])).toEqual([{ user: 'U1' }, ', ', { user: 'U2' }, ' or a member of ', { group: 'S1' }, ' or ', { group: 'S2' }]);
  });

  it('principals_emptyList_isNobody', () => {
    expect(principals([])).toEqual(['nobody']);
  });
});

describe('principalList', () => {
  it('principalList_namesEachWithCommas', () => {
    expect(principalList(['U1', 'S1'])).toEqual([{ user: 'U1' }, ', ', { group: 'S1' }]);
  });

  it('principalList_pastTheMaximum_countsTheRest', () => {
    const ids = Array.from({ length: 22 }, (_, i) => `U${i}`);
    expect(plainText(principalList(ids))).toBe(`${ids.slice(0, 20).join(', ')} and 2 more`);
    expect(plainText(principalList(ids, 1))).toBe('U0 and 21 more');
  });

  it('principalList_emptyList_isNobody', () => {
    expect(principalList([])).toEqual(['nobody']);
  });
});

describe('plainText', () => {
  it('plainText_namesIdsBare_commandsWithoutSlash_datesInUtc', () => {
    const message = msg`${user('U1')} and ${group('S1')}: ${command('jit cancel k7m2qp')} until ${date(Date.UTC(2026, 10, 28, 9))}.`;
    expect(plainText(message)).toBe('U1 and S1: `jit cancel k7m2qp` until 2026-11-28 09:00:00 UTC.');
  });

  it('plainText_keepsTextAsWritten', () => {
    expect(plainText(['a <b> & c'])).toBe('a <b> & c');
  });

  it('utcText_forAMomentNoDateCanHold_saysSo', () => {
    expect(utcText(Number.NaN)).toBe('an unknown time');
    expect(utcText(Number.POSITIVE_INFINITY)).toBe('an unknown time');
    expect(utcText(9e15)).toBe('an unknown time');
  });
});
