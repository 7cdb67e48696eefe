import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { SlackDirectory } from '../../src/slack/directory.js';
import { FakeClock } from '../support/fake-clock.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';

let fake: FakeSlack;
let clock: FakeClock;
let directory: SlackDirectory;
beforeEach(async () => {
  fake = await startFakeSlack({ groups: { S0SRE: ['UALICE'] } });
  clock = new FakeClock();
  const client = new WebClient('xoxb-test', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
  directory = new SlackDirectory(client, clock, createLogger({ write: () => undefined }), 5 * 60_000);
});
afterEach(() => fake.close());

const lookups = () => fake.callsTo('usergroups.users.list').length;

describe('SlackDirectory', () => {
  it('groupsOf_cachesMembersWithinTheTtl', async () => {
    expect(await directory.groupsOf('UALICE', ['S0SRE'])).toEqual(['S0SRE']);
    expect(await directory.groupsOf('UALICE', ['S0SRE'])).toEqual(['S0SRE']);
    expect(lookups()).toBe(1);
  });

  it('groupsOf_userAddedToTheGroup_isFoundByARefreshOnMiss', async () => {
    await directory.groupsOf('UALICE', ['S0SRE']);
    fake.groups.S0SRE!.push('UBOB');
    clock.advance(31_000);
    expect(await directory.groupsOf('UBOB', ['S0SRE'])).toEqual(['S0SRE']);
    expect(lookups()).toBe(2);
  });

  it('groupsOf_missesRefreshAtMostEveryThirtySeconds', async () => {
    await directory.groupsOf('UALICE', ['S0SRE']);
    for (let i = 0; i < 5; i++) expect(await directory.groupsOf('UMALLORY', ['S0SRE'])).toEqual([]);
    expect(lookups()).toBe(1);
  });

  it('groupsOf_userRemovedFromTheGroup_losesTheRightAfterTheTtl', async () => {
    await directory.groupsOf('UALICE', ['S0SRE']);
    fake.groups.S0SRE!.splice(0);
    expect(await directory.groupsOf('UALICE', ['S0SRE'])).toEqual(['S0SRE']);
    clock.advance(5 * 60_000);
    expect(await directory.groupsOf('UALICE', ['S0SRE'])).toEqual([]);
  });

  it('groupsOf_lookupFails_countsAsNotAMember', async () => {
    fake.failNext('usergroups.users.list', 1, { ok: false, error: 'no_such_subteam' });
    expect(await directory.groupsOf('UALICE', ['S0SRE'])).toEqual([]);
  });
});
