import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';

const base = { SLACK_BOT_TOKEN: 'xoxb-123', SLACK_SIGNING_SECRET: 'secret-123456', JIT_AUDIT_CHANNEL: 'C0AUDIT' };

describe('loadConfig: logs and metrics', () => {
  it('loadConfig_logFormatAndMetricsToken_defaultToTextAndOpen', () => {
    const result = loadConfig({ ...base, JIT_METRICS_TOKEN: '' });
    expect(result.ok && [result.config.JIT_LOG_FORMAT, result.config.JIT_METRICS_TOKEN]).toEqual(['text', undefined]);
    const set = loadConfig({ ...base, JIT_LOG_FORMAT: 'json', JIT_METRICS_TOKEN: ' 0123456789abcdef0123 ' });
    expect(set.ok && [set.config.JIT_LOG_FORMAT, set.config.JIT_METRICS_TOKEN]).toEqual(['json', '0123456789abcdef0123']);
  });

  it.each([
    [{ JIT_LOG_FORMAT: 'logfmt' }, /^JIT_LOG_FORMAT must be text \(one readable line each\) or json \(one JSON object a line\)$/],
    [
      { JIT_METRICS_TOKEN: 'short' },
      /^JIT_METRICS_TOKEN must be at least 16 characters \(e\.g\. `openssl rand -hex 32`\), or unset to serve \/metrics openly$/,
    ],
  ])('loadConfig_bad %j_saysWhatToDo', (overrides, message) => {
    const result = loadConfig({ ...base, ...overrides });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(message);
  });
});
