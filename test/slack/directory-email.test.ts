import { WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { SlackDirectory } from '../../src/slack/directory.js';
import { FakeClock } from '../support/fake-clock.js';
import { type FakeSlackOptions, startFakeSlack, type FakeSlack } from '../support/fake-slack.js';

// SlackDirectory.emailOf: the e-mail on-call rules find a requester by (users.info, users:read.email).

let fake: FakeSlack | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function directoryOn(options: FakeSlackOptions = {}): Promise<{ directory: SlackDirectory; clock: FakeClock; fake: FakeSlack }> {
  fake = await startFakeSlack(options);
  const clock = new FakeClock();
  const client = new WebClient('xoxb-test', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
  return { directory: new SlackDirectory(client, clock, createLogger({ write: () => undefined }), 60_000), clock, fake };
}

describe('SlackDirectory.emailOf', () => {
  it('emailOf_readsProfileEmail_andKeepsItForTheTtl', async () => {
    const { directory, clock, fake } = await directoryOn({ users: { UANA: { profile: { email: 'Ana@Example.com' } } } });
    expect(await directory.emailOf('UANA')).toEqual({ ok: true, email: 'Ana@Example.com' });
    expect(await directory.emailOf('UANA')).toEqual({ ok: true, email: 'Ana@Example.com' });
    expect(fake.callsTo('users.info')).toHaveLength(1);
    clock.advance(60_000);
    await directory.emailOf('UANA');
    expect(fake.callsTo('users.info')).toHaveLength(2);
  });

  it('emailOf_userWithoutEmail_saysSo', async () => {
    const { directory } = await directoryOn({ users: { UBOT: { profile: { email: undefined } } } });
    expect(await directory.emailOf('UBOT')).toEqual({
      ok: false,
      problem: 'Slack has no e-mail address for UBOT, so they cannot be found in an on-call schedule',
    });
  });

  it('emailOf_withoutTheScope_namesTheScopeToAdd', async () => {
    const { directory } = await directoryOn({
      methods: { 'users.info': () => ({ ok: false, error: 'missing_scope', needed: 'users:read.email', provided: 'users:read' }) },
    });
    const answer = await directory.emailOf('UANA');
    expect(answer).toEqual({ ok: false, problem: expect.stringContaining('add the users:read.email scope to the app and reinstall it') });
  });
});
