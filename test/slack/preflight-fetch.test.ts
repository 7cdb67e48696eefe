// The start's Slack checks go over node:http (slackFetch), not the global
// fetch: its first call compiles undici's WebAssembly HTTP parser, ~30 MB of a
// starting bot's peak memory for these three calls alone (BENCHMARKS.md row 4).
// Their per-call timeout still holds: slackFetch aborts on the signal (http-fetch.test.ts).

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkSlackSetup, preflightClient } from '../../src/slack/preflight.js';
import { silentLogger } from '../../src/ports/logger.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';

let fake: FakeSlack;
const channels = { JIT_AUDIT_CHANNEL: 'CAUDIT', JIT_APPROVAL_CHANNEL: 'CAPPROVALS' };

beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(() => fake.close());

describe('the preflight client', () => {
  it('checks_goOverNodeHttp_notTheGlobalFetch', async () => {
    const global = vi.spyOn(globalThis, 'fetch');
    try {
      const result = await checkSlackSetup(preflightClient('xoxb-test', fake.apiUrl, silentLogger), channels, fake.apiUrl);
      expect(result.kind).toBe('ok');
      expect(fake.calls.map((call) => call.method)).toContain('auth.test');
      expect(global).not.toHaveBeenCalled();
    } finally {
      global.mockRestore();
    }
  });
});
