import { describe, expect, it } from 'vitest';
import { command, date, group, msg, user } from '../../src/domain/message.js';
import { REFUSAL_CODES, refusal, refusalMessage } from '../../src/domain/refusals.js';
import { plain } from '../../src/cli/render.js';
import { sample } from '../support/refusal-samples.js';
import { TODAY } from '../support/today-refusals.js';

/** How the CLI turned the core's Slack-formatted sentences into plain text before refusals were data: the reference. */
function plainMessage(message: string): string {
  return message
    .replace(/<@([UW][A-Z0-9]+)>/g, '$1')
    .replace(/<!subteam\^(S[A-Z0-9]+)>/g, '$1')
    .replace(/`\/jit /g, '`jit ');
}

describe('plain parts', () => {
  it('plain_idsAreBare_commandsHaveNoSlash_datesAreUtc', () => {
    const message = msg`${user('UAPPROVER2')} or ${group('S0123SRE')}: ${command('jit cancel k7m2qp')} until ${date(Date.UTC(2026, 10, 28, 9))}.`;
    expect(plain(message)).toBe('UAPPROVER2 or S0123SRE: `jit cancel k7m2qp` until 2026-11-28 09:00:00 UTC.');
  });

  it('plain_textIsNotEscaped_aTerminalHasNoMarkup', () => {
    expect(plain(['a <b> & c'])).toBe('a <b> & c');
  });

  it('plain_controlCharacters_neverReachTheTerminal', () => {
    expect(plain(msg`VM ${'web\n1\u001b[31m\u009b'} is ${user('U1\r\n')}gone\u0007`)).toBe('VM web 1 [31m  is U1 gone');
  });
});

describe('plain of the refusal catalogue', () => {
  it.each(TODAY)('plain_$name_isWhatTheCliPrintedBefore', ({ refusal: r, today }) => {
    expect(plain(refusalMessage(r))).toBe(plainMessage(today));
  });

  it('plain_alreadyDecided_namesTheDeciderById', () => {
    expect(plain(refusalMessage(refusal('already_decided', { id: 'abc123', state: 'denied', decidedBy: 'UAPPROVER2' })))).toBe(
      'Request #abc123 was not changed: it is already denied (by UAPPROVER2).',
    );
  });

  it('plain_denyOwnRequest_namesTheJitCommand', () => {
    expect(plain(refusalMessage(refusal('deny_own_request', { id: 'k7m2qp' })))).toBe(
      'You cannot deny your own request #k7m2qp: use `jit cancel k7m2qp` to withdraw it.',
    );
  });

  it.each(REFUSAL_CODES)('plain_%s_withHostileParams_hasNoControlCharacterOrSlashCommand', (code) => {
    const text = plain(refusalMessage(sample(code)));
    expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(text).not.toContain('`/jit');
    expect(text).not.toContain('<!subteam^');
    expect(text).not.toContain('<!date^');
  });
});
