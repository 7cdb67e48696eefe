// The `/jit token …` grammar: create with an optional name and lifetime, list,
// revoke, and a usage line for anything else.

import { describe, expect, it } from 'vitest';
import { parseJitCommand } from '../../src/slack/command.js';
import { commandHelpText } from '../../src/slack/blocks/help.js';

describe('/jit token', () => {
  it.each([
    ['token create', { kind: 'token_create', name: '' }],
    ['token create deploy', { kind: 'token_create', name: 'deploy' }],
    ['token create nightly backup for 7d', { kind: 'token_create', name: 'nightly backup', lifetimeSeconds: 7 * 86_400 }],
    ['token create for 30d', { kind: 'token_create', name: '', lifetimeSeconds: 30 * 86_400 }],
    ['TOKEN Create ci FOR P2D', { kind: 'token_create', name: 'ci', lifetimeSeconds: 2 * 86_400 }],
    ['token create for', { kind: 'token_create', name: 'for' }],
    ['token list', { kind: 'token_list' }],
    ['token', { kind: 'token_list' }],
    ['token revoke K7M2QPAB', { kind: 'token_revoke', id: 'K7M2QPAB' }],
  ])('%s', (text, expected) => {
    expect(parseJitCommand(text)).toEqual(expected);
  });

  it.each(['token revoke', 'token revoke a b', 'token list all', 'token delete x'])('%s_answersTheUsage', (text) => {
    expect(parseJitCommand(text)).toEqual({ kind: 'invalid', message: expect.stringContaining('`/jit token create [name] [for <days>]`') });
  });

  it('create_withALifetimeThatIsNoDuration_saysWhatIsWrong', () => {
    expect(parseJitCommand('token create ci for ever')).toEqual({ kind: 'invalid', message: expect.stringContaining('`ever` is not a lifetime') });
  });

  it('help_showsTheCurlAtThePublicUrl', () => {
    expect(commandHelpText('token', { myIpLink: false, publicUrl: 'https://jit.example.com' })).toContain(
      'curl -H "Authorization: Bearer <token>" https://jit.example.com/api/v1/policy',
    );
  });
});
