// The surfaces besides /jit: the App Home tab and Socket Mode start-up.

import { afterEach, describe, expect, it } from 'vitest';
import { startBot } from '../../src/bot.js';
import { createLogger } from '../../src/log.js';
import { signedPost } from '../support/slack-requests.js';
import { SECRET, startE2E, type E2E } from './harness.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.stop();
  e2e = undefined;
});

describe('App Home', () => {
  it('appHomeOpened_publishesAHomeTabSlackAccepts', async () => {
    e2e = await startE2E();
    await e2e.command('UHOME', 'request web-1 22 198.51.100.7 1h');
    const event = {
      token: 'legacy-verification-token',
      team_id: 'T1',
      api_app_id: 'A1',
      type: 'event_callback',
      event_id: 'Ev1',
      event_time: Math.floor(Date.now() / 1000),
      event: { type: 'app_home_opened', user: 'UHOME', channel: 'DHOME', tab: 'home', event_ts: `${Date.now() / 1000}` },
    };
    const result = await signedPost(`${e2e.baseUrl}/slack/events`, JSON.stringify(event), SECRET, { contentType: 'application/json' });
    expect(result.status).toBe(200);
    const published = await e2e.fake.waitFor('views.publish');
    expect(published.response.ok).toBe(true);
    expect(published.args.user_id).toBe('UHOME');
    expect(JSON.stringify(published.args.view)).toMatch(/web-1/);
  });
});

describe('Socket Mode', () => {
  it('appTokenSet_connectsThroughAppsConnectionsOpenInsteadOfListening', async () => {
    e2e = await startE2E();
    const lines: string[] = [];
    const started = startBot({ ...envFrom(e2e), SLACK_APP_TOKEN: 'xapp-1-test', PORT: '0' }, { logger: createLogger({ write: (line) => lines.push(line) }) });
    // The fake has no WebSocket endpoint, so the connection is refused and start fails,
    // but only after Bolt asked Slack for a Socket Mode URL with the app-level token.
    const call = await e2e.fake.waitFor('apps.connections.open', { timeoutMs: 10_000 });
    expect(call.token).toBe('xapp-1-test');
    await expect(started).rejects.toThrow();
  });
});

function envFrom(e: E2E): Record<string, string> {
  const c = e.bot.config;
  return {
    SLACK_BOT_TOKEN: c.SLACK_BOT_TOKEN,
    SLACK_SIGNING_SECRET: c.SLACK_SIGNING_SECRET,
    SLACK_API_URL: c.SLACK_API_URL ?? '',
    JIT_POLICY: c.JIT_POLICY,
    JIT_DB: `${c.JIT_DB}.socket`,
    JIT_AUDIT_CHANNEL: c.JIT_AUDIT_CHANNEL,
    JIT_LISTEN_HOST: '127.0.0.1',
  };
}
