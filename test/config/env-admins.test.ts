import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';

const base = { SLACK_BOT_TOKEN: 'xoxb-123', SLACK_SIGNING_SECRET: 'secret-123456', JIT_AUDIT_CHANNEL: 'C0AUDIT' };

describe('JIT_ADMINS', () => {
  it('jitAdmins_unset_isNobody', () => {
    const result = loadConfig(base);
    expect(result.ok && result.config.JIT_ADMINS).toEqual([]);
  });

  it('jitAdmins_commaSeparatedMemberIds_areAList_withoutRepeats', () => {
    const result = loadConfig({ ...base, JIT_ADMINS: ' U0ALICE, W0BOB ,U0ALICE' });
    expect(result.ok && result.config.JIT_ADMINS).toEqual(['U0ALICE', 'W0BOB']);
  });

  it.each([['alice'], ['U0ALICE,S0GROUP'], ['<@U0ALICE>']])('jitAdmins_%s_isRefusedNamingTheVariable', (value) => {
    const result = loadConfig({ ...base, JIT_ADMINS: value });
    expect(!result.ok && result.error).toMatch(/^JIT_ADMINS must list Slack member IDs \(U… or W…\), comma-separated: `.+` is not one/);
  });
});
