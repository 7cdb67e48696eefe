import { afterEach, describe, expect, it } from 'vitest';
import { ServiceProblem } from '../../src/oncall/http.js';
import { PagerDuty } from '../../src/oncall/pagerduty.js';
import { type FakePagerDuty, startFakePagerDuty } from '../support/fake-pagerduty.js';

// The PagerDuty client against a fake PagerDuty REST API v2 on loopback.

let fake: FakePagerDuty | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const client = (url: string, options: { token?: string; timeoutMs?: number } = {}) =>
  new PagerDuty({ url, token: options.token ?? 'pd-test-token', timeoutMs: options.timeoutMs ?? 2000 });

async function problemOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ServiceProblem);
  return (error as Error).message;
}

describe('PagerDuty on-calls', () => {
  it('schedule_listsTheOnCallEmails_withTheRealQueryAndHeaders', async () => {
    fake = await startFakePagerDuty({
      oncalls: [
        { email: 'Ana@Example.com', escalationPolicy: 'PXYZ789', schedule: 'PABC123' },
        { email: 'bo@example.com', escalationPolicy: 'PXYZ789', schedule: 'POTHER1' },
      ],
    });
    expect(await client(fake.url).onCallEmails('schedule', 'PABC123')).toEqual(new Set(['ana@example.com']));
    const sent = fake.requests[0]!;
    const query = new URL(sent.url, 'http://x').searchParams;
    expect(query.getAll('schedule_ids[]')).toEqual(['PABC123']);
    expect(query.getAll('include[]')).toEqual(['users']);
    expect(query.get('earliest')).toBe('true');
    expect(query.has('since') || query.has('until')).toBe(false);
    expect(sent.headers.authorization).toBe('Token token=pd-test-token');
    expect(sent.headers.accept).toBe('application/vnd.pagerduty+json;version=2');
  });

  it('escalationPolicy_countsEveryLevel_andEntriesWithoutASchedule', async () => {
    fake = await startFakePagerDuty({
      oncalls: [
        { email: 'direct@example.com', escalationPolicy: 'PXYZ789', level: 1 },
        { email: 'backup@example.com', escalationPolicy: 'PXYZ789', schedule: 'PABC123', level: 2 },
        { email: 'else@example.com', escalationPolicy: 'POTHER2' },
      ],
    });
    expect(await client(fake.url).onCallEmails('escalation_policy', 'PXYZ789')).toEqual(new Set(['direct@example.com', 'backup@example.com']));
    expect(new URL(fake.requests[0]!.url, 'http://x').searchParams.getAll('escalation_policy_ids[]')).toEqual(['PXYZ789']);
  });

  it('pagination_followsMore_fromWhereTheShortPageEnded', async () => {
    const oncalls = Array.from({ length: 7 }, (_, i) => ({ email: `u${i}@example.com`, escalationPolicy: 'PXYZ789', schedule: 'PABC123' }));
    fake = await startFakePagerDuty({ oncalls, maxLimit: 3 });
    const emails = await client(fake.url).onCallEmails('schedule', 'PABC123');
    expect([...emails].sort()).toEqual(oncalls.map((o) => o.email).sort());
    expect(fake.requests.map((r) => new URL(r.url, 'http://x').searchParams.get('offset'))).toEqual(['0', '3', '6']);
  });

  it('wrongToken_isRefused_namingTheVariable', async () => {
    fake = await startFakePagerDuty();
    expect(await problemOf(client(fake.url, { token: 'not-the-token' }).onCallEmails('schedule', 'PABC123'))).toBe(
      "PagerDuty refused the bot's token (HTTP 401: Unauthorized): check JIT_PAGERDUTY_TOKEN and the key's access",
    );
  });

  it('rateLimitedAndServerErrors_areProblems_andTheNextCallSucceeds', async () => {
    fake = await startFakePagerDuty({ oncalls: [{ email: 'ana@example.com', escalationPolicy: 'PXYZ789', schedule: 'PABC123' }] });
    fake.failNext(429);
    fake.failNext(500);
    const pd = client(fake.url);
    expect(await problemOf(pd.onCallEmails('schedule', 'PABC123'))).toBe("PagerDuty is limiting the bot's requests (HTTP 429): try again in a minute");
    expect(await problemOf(pd.onCallEmails('schedule', 'PABC123'))).toBe('PagerDuty answered HTTP 500: Internal Server Error');
    expect(await pd.onCallEmails('schedule', 'PABC123')).toEqual(new Set(['ana@example.com']));
  });

  it('noAnswerInTime_isATimeout_saidInSeconds', async () => {
    fake = await startFakePagerDuty();
    fake.hang = true;
    expect(await problemOf(client(fake.url, { timeoutMs: 150 }).onCallEmails('schedule', 'PABC123'))).toBe(
      'PagerDuty could not be reached (timeout after 0.15 s)',
    );
  });

  it('nobodyListening_isUnreachable', async () => {
    fake = await startFakePagerDuty();
    const url = fake.url;
    await fake.close();
    fake = undefined;
    expect(await problemOf(client(url).onCallEmails('schedule', 'PABC123'))).toBe('PagerDuty could not be reached (connection refused)');
  });
});
