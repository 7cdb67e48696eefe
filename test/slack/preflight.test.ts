// The Slack set-up checks against the fake Slack: which answers are refusals
// (one line naming the variable) and which mean "not reachable, retry".

import { createServer, type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkSlackSetup, preflightClient } from '../../src/slack/preflight.js';
import { silentLogger } from '../../src/ports/logger.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';

let fake: FakeSlack;
const channels = { JIT_AUDIT_CHANNEL: 'CAUDIT', JIT_APPROVAL_CHANNEL: 'CAPPROVALS' };
const check = (token = 'xoxb-test', url = fake.apiUrl) => checkSlackSetup(preflightClient(token, url, silentLogger), channels, url);

beforeAll(async () => {
  fake = await startFakeSlack();
});
afterEach(() => {
  fake.reset();
  for (const id of Object.keys(fake.channels)) delete fake.channels[id];
});
afterAll(() => fake.close());

describe('checkSlackSetup', () => {
  it('goodSetUp_isOk_withTheBotsIdentity_afterOneCallEach', async () => {
    expect(await check()).toEqual({ kind: 'ok', identity: { botId: 'BBOT', botUserId: 'UBOT', botName: 'jit', team: 'Test' } });
    expect(fake.calls[0]?.method).toBe('auth.test');
    // The two channels are asked at once, in either order.
    expect(
      fake.calls
        .slice(1)
        .map((c) => `${c.method} ${String(c.args.channel)}`)
        .sort(),
    ).toEqual(['conversations.info CAPPROVALS', 'conversations.info CAUDIT']);
  });

  it('appWithoutChannelsRead_fallsBackToHistory_whichTellsMembershipToo', async () => {
    fake.failNext('conversations.info', 2, { ok: false, error: 'missing_scope', needed: 'channels:read' });
    expect((await check()).kind).toBe('ok');
    expect(
      fake
        .callsTo('conversations.history')
        .map((c) => String(c.args.channel))
        .sort(),
    ).toEqual(['CAPPROVALS', 'CAUDIT']);
    const audit = (args: Record<string, unknown>) => args.channel === 'CAUDIT';
    fake.failNext('conversations.info', 1, { ok: false, error: 'missing_scope', needed: 'channels:read' }, audit);
    fake.failNext('conversations.history', 1, { ok: false, error: 'not_in_channel' }, audit);
    expect(await check()).toEqual({ kind: 'refused', message: 'the bot is not in JIT_AUDIT_CHANNEL CAUDIT: invite it with `/invite @jit` in that channel' });
  });

  it('privateChannelWithoutTheBot_isNotFound_namingTheVariable', async () => {
    fake.channels.CAPPROVALS = { is_private: true, is_member: false };
    expect(await check()).toEqual({
      kind: 'refused',
      message: expect.stringMatching(/^JIT_APPROVAL_CHANNEL CAPPROVALS does not exist, or is a private channel/),
    });
  });

  it.each([
    [{ status: 503 }, /^cannot reach Slack at http:\/\/127\.0\.0\.1:\d+\/api\/ \(auth\.test\): HTTP 503$/],
    [{ status: 429, retryAfter: 30 }, /\(auth\.test\): rate limited, retry after 30s$/],
    [{ ok: false as const, error: 'service_unavailable' }, /\(auth\.test\): service_unavailable$/],
  ])('noAnswerOrLater_%j_isUnreachable_notARefusal', async (failure, message) => {
    fake.failNext('auth.test', 1, failure);
    expect(await check()).toEqual({ kind: 'unreachable', message: expect.stringMatching(message) });
  });

  it('closedPort_isUnreachable_namingTheUrl', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    expect(await check('xoxb-test', `http://127.0.0.1:${port}/api/`)).toEqual({
      kind: 'unreachable',
      message: `cannot reach Slack at http://127.0.0.1:${port}/api/ (auth.test): ECONNREFUSED`,
    });
  });

  it('otherRefusalOfAChannelCheck_isARefusal_namingTheVariable', async () => {
    fake.failNext('conversations.info', 1, { ok: false, error: 'invalid_arguments' }, (args) => args.channel === 'CAPPROVALS');
    expect(await check()).toEqual({
      kind: 'refused',
      message: expect.stringMatching(/^Slack refused conversations\.info for JIT_APPROVAL_CHANNEL \(invalid_arguments\)/),
    });
  });
});
