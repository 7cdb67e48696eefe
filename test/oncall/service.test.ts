import { WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createOnCall } from '../../src/oncall/create.js';
import { noEmails } from '../../src/oncall/service.js';
import type { UserEmails } from '../../src/ports/on-call.js';
import { SlackDirectory } from '../../src/slack/directory.js';
import { FakeClock } from '../support/fake-clock.js';
import { type FakeOpsgenie, startFakeOpsgenie } from '../support/fake-opsgenie.js';
import { type FakePagerDuty, startFakePagerDuty } from '../support/fake-pagerduty.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';

// The on-call port over real HTTP: Slack's users.info for the e-mail, the fake
// PagerDuty and Opsgenie for the rotas; its cache, and every way it fails closed.

let pd: FakePagerDuty;
let og: FakeOpsgenie;
let slack: FakeSlack;
afterEach(async () => {
  await Promise.all([pd?.close(), og?.close(), slack?.close()]);
});

const WHERE = { pagerduty: { schedules: ['PABC123'], escalationPolicies: ['PXYZ789'] }, opsgenie: { schedules: ['sre-primary'] } };
const quiet = createLogger({ write: () => undefined });

async function world(options: { pagerdutyToken?: string; opsgenieToken?: string; emails?: UserEmails; timeoutMs?: number } = {}) {
  pd = await startFakePagerDuty({ oncalls: [{ email: 'upd@example.com', escalationPolicy: 'PXYZ789', schedule: 'PABC123' }] });
  og = await startFakeOpsgenie({ schedules: [{ id: '6a7d2a2c-1f0e-4c3e-9a55-1d2f3a4b5c6d', name: 'sre-primary', onCall: ['uog@example.com'] }] });
  // Slack's fake gives every U… user the e-mail `<id in lower case>@example.com`.
  slack = await startFakeSlack();
  const clock = new FakeClock();
  const client = new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  const emails = options.emails ?? new SlackDirectory(client, clock, quiet);
  const onCall = createOnCall(
    {
      JIT_PAGERDUTY_URL: pd.url,
      JIT_PAGERDUTY_TOKEN: 'pagerdutyToken' in options ? options.pagerdutyToken : 'pd-test-token',
      JIT_OPSGENIE_URL: og.url,
      JIT_OPSGENIE_TOKEN: 'opsgenieToken' in options ? options.opsgenieToken : 'og-test-token',
      JIT_ONCALL_CACHE: 60_000,
    },
    { emails, clock, logger: quiet, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) },
  );
  return { onCall, clock };
}

describe('ServiceOnCall', () => {
  it('status_onCallInEitherService_holds_andSaysWhere', async () => {
    const { onCall } = await world();
    expect(await onCall.status('UPD', WHERE)).toEqual({ onCall: true, where: 'PagerDuty schedule PABC123' });
    expect(await onCall.status('UOG', WHERE)).toEqual({ onCall: true, where: 'Opsgenie schedule sre-primary' });
    expect(await onCall.status('UOFF', WHERE)).toEqual({ onCall: false, problems: [] });
  });

  it('status_answersAreCachedForJitOncallCache_thenAskedAgain', async () => {
    const { onCall, clock } = await world();
    await onCall.status('UPD', WHERE);
    await onCall.status('UOFF', WHERE);
    expect(pd.requests).toHaveLength(2);
    expect(og.requests).toHaveLength(1);
    pd.oncalls = [];
    clock.advance(59_999);
    expect((await onCall.status('UPD', WHERE)).onCall).toBe(true);
    clock.advance(1);
    expect(await onCall.status('UPD', WHERE)).toEqual({ onCall: false, problems: [] });
    expect(pd.requests).toHaveLength(4);
  });

  it('status_concurrentAskers_shareOneCall', async () => {
    const { onCall } = await world();
    await Promise.all([onCall.status('UPD', WHERE), onCall.status('UOG', WHERE), onCall.status('UOFF', WHERE)]);
    expect(og.requests).toHaveLength(1);
  });

  it('status_oneServiceDown_theOtherStillCounts_butAFailureIsNotCached', async () => {
    const { onCall } = await world();
    pd.failNext(500, 2);
    expect(await onCall.status('UOG', WHERE)).toEqual({ onCall: true, where: 'Opsgenie schedule sre-primary' });
    pd.failNext(500, 2);
    expect(await onCall.status('UPD', WHERE)).toEqual({ onCall: false, problems: ['PagerDuty answered HTTP 500: Internal Server Error'] });
    expect(await onCall.status('UPD', WHERE)).toEqual({ onCall: true, where: 'PagerDuty schedule PABC123' });
  });

  it('status_serviceHangs_failsClosedWithTheTimeout', async () => {
    const { onCall } = await world({ timeoutMs: 150 });
    pd.hang = true;
    og.hang = true;
    expect(await onCall.status('UPD', WHERE)).toEqual({
      onCall: false,
      problems: ['PagerDuty could not be reached (timeout after 0.15 s)', 'Opsgenie could not be reached (timeout after 0.15 s)'],
    });
  });

  it('status_tokenNotSet_failsClosed_withoutAsking', async () => {
    const { onCall } = await world({ pagerdutyToken: undefined });
    expect(await onCall.status('UPD', WHERE)).toEqual({ onCall: false, problems: ['PagerDuty cannot be asked (JIT_PAGERDUTY_TOKEN is not set)'] });
    expect(pd.requests).toEqual([]);
  });

  it('status_noEmail_failsClosed_withoutAskingAnyService', async () => {
    const { onCall } = await world({ emails: noEmails('the CLI looks up e-mail addresses only through Slack') });
    expect(await onCall.status('UPD', WHERE)).toEqual({ onCall: false, problems: ['the CLI looks up e-mail addresses only through Slack'] });
    expect([...pd.requests, ...og.requests]).toEqual([]);
  });
});
