// SlackDirectory.accountOf: whether a REST API token's owner is still an
// active member (users.info `deleted`), over a fake Slack on loopback.

import { WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { ACCOUNT_TTL_MS, SlackDirectory } from '../../src/slack/directory.js';
import { FakeClock } from '../support/fake-clock.js';
import { type FakeSlack, type FakeSlackOptions, startFakeSlack } from '../support/fake-slack.js';

let fake: FakeSlack | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function directoryOn(options: FakeSlackOptions = {}): Promise<{ directory: SlackDirectory; clock: FakeClock; fake: FakeSlack }> {
  fake = await startFakeSlack(options);
  const clock = new FakeClock();
  const client = new WebClient('xoxb-test', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
  return { directory: new SlackDirectory(client, clock, createLogger({ write: () => undefined })), clock, fake };
}

describe('SlackDirectory.accountOf', () => {
  it('anActiveMember_isActive_keptAMinute_thenAskedAgain_soADeactivationCountsWithinIt', async () => {
    const users: NonNullable<FakeSlackOptions['users']> = {};
    const { directory, clock, fake } = await directoryOn({ users });
    expect(await directory.accountOf('UANA')).toBe('active');
    expect(await directory.accountOf('UANA')).toBe('active');
    expect(fake.callsTo('users.info')).toHaveLength(1);

    users.UANA = { deleted: true };
    clock.advance(ACCOUNT_TTL_MS);
    expect(await directory.accountOf('UANA')).toBe('deactivated');
    clock.advance(10 * ACCOUNT_TTL_MS);
    expect(await directory.accountOf('UANA')).toBe('deactivated');
    // A deactivation is kept: nobody is asked again.
    expect(fake.callsTo('users.info')).toHaveLength(2);
  });

  it('aUserSlackDoesNotKnow_isDeactivated', async () => {
    const { directory } = await directoryOn({ methods: { 'users.info': () => ({ ok: false, error: 'user_not_found' }) } });
    expect(await directory.accountOf('UGONE')).toBe('deactivated');
  });

  it('aFailedLookup_isUnknown_saysWhy_andIsNotKept', async () => {
    let failing = true;
    const { directory, fake } = await directoryOn({
      methods: { 'users.info': (args) => (failing ? { ok: false, error: 'fatal_error' } : { ok: true, user: { id: String(args.user), deleted: false } }) },
    });
    expect(await directory.accountOf('UANA')).toEqual({ unknown: 'Slack could not say whether UANA is still a member (fatal_error)' });
    failing = false;
    expect(await directory.accountOf('UANA')).toBe('active');
    expect(fake.callsTo('users.info')).toHaveLength(2);
  });
});
