// An empty value counts as unset (a required variable is told it is required),
// and the example values of .env.example are refused by name: a copied .env
// that was not filled in would otherwise pass the format checks.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCliConfig, loadConfig } from '../../src/config/env.js';
import { ENV_PLACEHOLDERS } from '../../src/config/placeholders.js';

const base = { SLACK_BOT_TOKEN: 'xoxb-123', SLACK_SIGNING_SECRET: 'secret-123456', JIT_AUDIT_CHANNEL: 'C0AUDIT' };

/** The variables .env.example sets, with their values. */
function envExample(): Record<string, string> {
  const text = readFileSync(resolve(import.meta.dirname, '../../.env.example'), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('an empty value', () => {
  it.each(['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'JIT_AUDIT_CHANNEL'])('required_%s_empty_isToldItIsRequired', (key) => {
    for (const empty of ['', '   ']) {
      const result = loadConfig({ ...base, [key]: empty });
      expect(result).toEqual({ ok: false, error: expect.stringMatching(new RegExp(`^${key} is required: `)) });
    }
  });

  it('withADefault_takesTheDefault', () => {
    const result = loadConfig({ ...base, PORT: '', JIT_LOG_LEVEL: '', JIT_POLICY: ' ', JIT_SWEEP_SCHEDULE: '', JIT_NFT_COMMAND: '' });
    expect(result.ok && [result.config.PORT, result.config.JIT_LOG_LEVEL, result.config.JIT_POLICY, result.config.JIT_SWEEP_SCHEDULE]).toEqual([
      3000,
      'info',
      './policy.yaml',
      '* * * * *',
    ]);
    expect(result.ok && result.config.JIT_NFT_COMMAND).toEqual(['nft']);
  });
});

describe('the placeholders of .env.example', () => {
  it('envExampleAsShipped_isRefused_oneLinePerPlaceholder', () => {
    const result = loadConfig(envExample());
    expect(result.ok).toBe(false);
    const lines = result.ok ? [] : result.error.split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^SLACK_BOT_TOKEN is still the placeholder from \.env\.example: copy the Bot User OAuth Token/),
      expect.stringMatching(/^SLACK_SIGNING_SECRET is still the placeholder from \.env\.example: copy the Signing Secret/),
      expect.stringMatching(/^JIT_AUDIT_CHANNEL is still the placeholder from \.env\.example: put the ID of your audit channel there/),
    ]);
  });

  it('everyPlaceholderListed_isTheValueEnvExampleShips', () => {
    const shipped = envExample();
    for (const [key, placeholder] of Object.entries(ENV_PLACEHOLDERS)) {
      // JIT_APPROVAL_CHANNEL ships empty; someone copying the audit line's example there is refused all the same.
      if (key === 'JIT_APPROVAL_CHANNEL') expect(placeholder.value).toBe(shipped.JIT_AUDIT_CHANNEL);
      else expect(shipped[key]).toBe(placeholder.value);
    }
  });

  it('approvalChannelSetToTheExample_isRefused', () => {
    expect(loadConfig({ ...base, JIT_APPROVAL_CHANNEL: 'C0123456789' })).toEqual({
      ok: false,
      error: expect.stringMatching(/^JIT_APPROVAL_CHANNEL is still the placeholder from \.env\.example: .*leave it empty to DM each approver$/),
    });
  });

  it('aBadFormat_isReportedOnce_notAlsoAsAPlaceholder', () => {
    const result = loadConfig({ ...base, SLACK_SIGNING_SECRET: 'your-signing-secret', SLACK_BOT_TOKEN: 'xoxp-user' });
    expect(!result.ok && result.error.split('\n')).toEqual([
      expect.stringMatching(/^SLACK_BOT_TOKEN must be a bot token/),
      expect.stringMatching(/^SLACK_SIGNING_SECRET is still the placeholder/),
    ]);
  });

  it('cli_doesNotNeedTheSlackKeys_soItsPlaceholdersAreNotItsConcern', () => {
    expect(loadCliConfig({ ...envExample(), JIT_DB: '/tmp/x.db' }).ok).toBe(true);
  });
});
