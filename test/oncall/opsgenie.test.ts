import { afterEach, describe, expect, it } from 'vitest';
import { ServiceProblem } from '../../src/oncall/http.js';
import { Opsgenie } from '../../src/oncall/opsgenie.js';
import { type FakeOpsgenie, startFakeOpsgenie } from '../support/fake-opsgenie.js';

// The Opsgenie client against a fake Who-is-on-call API on loopback.

let fake: FakeOpsgenie | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const ID = '6a7d2a2c-1f0e-4c3e-9a55-1d2f3a4b5c6d';
const client = (url: string, options: { token?: string; timeoutMs?: number } = {}) =>
  new Opsgenie({ url, token: options.token ?? 'og-test-token', timeoutMs: options.timeoutMs ?? 2000 });

async function problemOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ServiceProblem);
  return (error as Error).message;
}

describe('Opsgenie on-calls', () => {
  it('scheduleByName_listsTheRecipients_withTheRealQueryAndHeader', async () => {
    fake = await startFakeOpsgenie({ schedules: [{ id: ID, name: 'sre primary', onCall: ['Ana@example.com'] }] });
    expect(await client(fake.url).onCallEmails('sre primary')).toEqual(new Set(['ana@example.com']));
    const sent = fake.requests[0]!;
    expect(sent.url).toBe('/v2/schedules/sre%20primary/on-calls?scheduleIdentifierType=name&flat=true');
    expect(sent.headers.authorization).toBe('GenieKey og-test-token');
  });

  it('scheduleById_isAskedById', async () => {
    fake = await startFakeOpsgenie({ schedules: [{ id: ID, name: 'sre-primary', onCall: ['bo@example.com'] }] });
    expect(await client(fake.url).onCallEmails(ID)).toEqual(new Set(['bo@example.com']));
    expect(fake.requests[0]?.url).toContain('scheduleIdentifierType=id');
  });

  it('unknownSchedule_says404WithTheName', async () => {
    fake = await startFakeOpsgenie();
    expect(await problemOf(client(fake.url).onCallEmails('sre-primary'))).toBe('Opsgenie has no schedule sre-primary (HTTP 404): check the name in the rule');
  });

  it('wrongKey_rateLimit_serverError_areProblems', async () => {
    fake = await startFakeOpsgenie({ schedules: [{ id: ID, name: 'sre-primary', onCall: [] }] });
    expect(await problemOf(client(fake.url, { token: 'wrong-key-1' }).onCallEmails('sre-primary'))).toBe(
      "Opsgenie refused the bot's token (HTTP 401: Could not authenticate): check JIT_OPSGENIE_TOKEN and the key's access",
    );
    fake.failNext(429);
    fake.failNext(500);
    expect(await problemOf(client(fake.url).onCallEmails('sre-primary'))).toMatch(/HTTP 429/);
    expect(await problemOf(client(fake.url).onCallEmails('sre-primary'))).toBe('Opsgenie answered HTTP 500: Internal Server Error');
    expect(await client(fake.url).onCallEmails('sre-primary')).toEqual(new Set());
  });

  it('noAnswerInTime_isATimeout', async () => {
    fake = await startFakeOpsgenie();
    fake.hang = true;
    expect(await problemOf(client(fake.url, { timeoutMs: 150 }).onCallEmails('sre-primary'))).toBe('Opsgenie could not be reached (timeout after 0.15 s)');
  });
});
