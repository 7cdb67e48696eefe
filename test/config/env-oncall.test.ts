// The on-call services' variables: public API URLs by default, a given one
// without its trailing slash, and a line saying what to write for a bad one.

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';

const base = { SLACK_BOT_TOKEN: 'xoxb-123', SLACK_SIGNING_SECRET: 'secret-123456', JIT_AUDIT_CHANNEL: 'C0AUDIT' };

describe('on-call variables', () => {
  it('defaults_arePublicApis_andA60sCache', () => {
    const result = loadConfig(base);
    expect(result.ok && result.config).toMatchObject({
      JIT_PAGERDUTY_URL: 'https://api.pagerduty.com',
      JIT_OPSGENIE_URL: 'https://api.opsgenie.com',
      JIT_ONCALL_CACHE: 60_000,
    });
  });

  it('aGivenUrl_losesItsTrailingSlash', () => {
    const result = loadConfig({ ...base, JIT_OPSGENIE_URL: 'https://api.eu.opsgenie.com/' });
    expect(result.ok && result.config.JIT_OPSGENIE_URL).toBe('https://api.eu.opsgenie.com');
  });

  it('aUrlThatIsNotHttp_isRefusedWithAnExample', () => {
    const result = loadConfig({ ...base, JIT_PAGERDUTY_URL: 'ftp://pagerduty.example' });
    expect(result.ok ? '' : result.error).toBe('JIT_PAGERDUTY_URL must be an http(s) URL such as https://api.pagerduty.com');
  });
});
