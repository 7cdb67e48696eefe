import { describe, it, expect } from 'vitest';
import { matchGlob } from '../../src/domain/glob.js';

describe('matchGlob', () => {
  const cases: { name: string; pattern: string; subject: string; expected: boolean }[] = [
    { name: 'literal_sameName_matches', pattern: 'web-1', subject: 'web-1', expected: true },
    { name: 'literal_otherName_doesNotMatch', pattern: 'web-1', subject: 'web-2', expected: false },
    { name: 'literal_isCaseInsensitive', pattern: 'Web-1', subject: 'WEB-1', expected: true },
    { name: 'star_matchesAnyRun', pattern: 'prod-*', subject: 'prod-db-7', expected: true },
    { name: 'star_matchesEmptyRun', pattern: 'prod-*', subject: 'prod-', expected: true },
    { name: 'star_inMiddle_matches', pattern: 'prod-*-db', subject: 'prod-eu-db', expected: true },
    { name: 'star_doesNotLetPrefixDiffer', pattern: 'prod-*', subject: 'xprod-1', expected: false },
    { name: 'star_alone_matchesEverything', pattern: '*', subject: 'anything.at.all', expected: true },
    { name: 'star_alone_matchesEmptyName', pattern: '*', subject: '', expected: true },
    { name: 'question_matchesExactlyOneCharacter', pattern: 'web-?', subject: 'web-3', expected: true },
    { name: 'question_doesNotMatchTwoCharacters', pattern: 'web-?', subject: 'web-12', expected: false },
    { name: 'question_doesNotMatchNothing', pattern: 'web-?', subject: 'web-', expected: false },
    { name: 'dot_isLiteral_notAnyCharacter', pattern: 'db.eu', subject: 'dbxeu', expected: false },
    { name: 'dot_isLiteral_matchesDot', pattern: 'db.eu', subject: 'db.eu', expected: true },
    { name: 'plus_isLiteral', pattern: 'a+b', subject: 'aab', expected: false },
    { name: 'brackets_areLiteral', pattern: 'vm[1]', subject: 'vm[1]', expected: true },
    { name: 'brackets_areNotAClass', pattern: 'vm[12]', subject: 'vm1', expected: false },
    { name: 'parensAndPipe_areLiteral', pattern: '(a|b)', subject: 'a', expected: false },
    { name: 'caretAndDollar_areLiteral', pattern: '^vm$', subject: '^vm$', expected: true },
    { name: 'backslash_isLiteral', pattern: 'a\\d', subject: 'a1', expected: false },
    { name: 'pattern_mustMatchWholeName', pattern: 'web', subject: 'web-1', expected: false },
  ];

  it.each(cases)('$name', ({ pattern, subject, expected }) => {
    expect(matchGlob(pattern, subject)).toBe(expected);
  });

  it('cachedPattern_givesSameAnswerOnRepeat', () => {
    expect(matchGlob('prod-*', 'prod-1')).toBe(true);
    expect(matchGlob('prod-*', 'prod-1')).toBe(true);
    expect(matchGlob('prod-*', 'dev-1')).toBe(false);
  });
});
