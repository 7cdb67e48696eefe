import { describe, expect, it } from 'vitest';
import { problemsText } from '../../../src/slack/blocks/errors.js';
import { commandHelpText, helpText } from '../../../src/slack/blocks/help.js';
import { JIT_VERBS } from '../../../src/slack/jit-command.js';
import { HOSTILE, hostileIsInert } from './fixtures.js';

describe('helpText', () => {
  it('helpText_namesEveryCommand_oneShortLineEach', () => {
    const text = helpText();
    for (const verb of JIT_VERBS) expect(text).toContain(`\`/jit ${verb}`);
    expect(text.split('\n')).toHaveLength(JIT_VERBS.length + 1);
  });

  it('commandHelpText_request_documentsTheGrammar', () => {
    const text = commandHelpText('request', { myIpLink: true });
    for (const s of [
      '/jit request`',
      '/jit request <vm> <ports> <source> <duration> [justification…]',
      '/jit request web-1 22 203.0.113.7 2h deploy hotfix',
      'PT3H',
      '203.0.113.0/24',
      '`me`',
    ]) {
      expect(text).toContain(s);
    }
    expect(text.length).toBeLessThan(3000);
  });

  it.each(JIT_VERBS.map((verb) => [verb]))('commandHelpText_%s_showsItsForm', (verb) => {
    const text = commandHelpText(verb, { myIpLink: false });
    expect(text).toContain(`\`/jit ${verb}`);
    expect(text.length).toBeLessThan(3000);
  });
});

describe('problemsText', () => {
  it('problemsText_listsEachProblemWithField', () => {
    const text = problemsText([{ field: 'source', message: 'not an IP' }, { message: 'unknown VM web-9' }]);
    expect(text).toContain('• *source*: not an IP');
    expect(text).toContain('• unknown VM web-9');
    expect(text).toContain('/jit help');
  });
  it('problemsText_hostileMessage_isInert', () => {
    expect(hostileIsInert(problemsText([{ field: '<!here>', message: HOSTILE }]))).toBe(true);
  });
  it('problemsText_many_isCapped', () => {
    const text = problemsText(Array.from({ length: 100 }, (_, i) => ({ message: `problem ${i} ${'x'.repeat(2000)}` })));
    expect(text).toContain('…and 80 more');
    expect(text.length).toBeLessThan(12_000);
  });
  it('problemsText_none_isStillHelpful', () => expect(problemsText([])).toContain('/jit help'));
});
