// A fake PagerDuty REST API v2 on loopback, for GET /oncalls only, in the real
// shapes: `Authorization: Token token=…` and the v2 Accept header checked (401
// and 400 with PagerDuty's error object otherwise), schedule_ids[] and
// escalation_policy_ids[] filters, include[]=users (full user objects with
// e-mail; references without), limit/offset/more pagination (limit capped at
// `maxLimit`, as PagerDuty caps it at 100), and scripted 429/500 answers.

import { randomUUID } from 'node:crypto';
import { type FakeService, header, startFakeService } from './fake-oncall-http.js';

/** One on-call entry: who is on call in which escalation policy (and schedule, when through one). */
export interface FakeOnCall {
  email: string;
  escalationPolicy: string;
  schedule?: string;
  level?: number;
}

export interface FakePagerDutyOptions {
  token?: string;
  oncalls?: FakeOnCall[];
  /** The most entries one page holds, whatever `limit` asks; default 100. */
  maxLimit?: number;
}

export interface FakePagerDuty extends FakeService {
  /** Who is on call now; change it freely. */
  oncalls: FakeOnCall[];
}

const ACCEPT = 'application/vnd.pagerduty+json;version=2';

const error = (message: string, code: number, errors?: string[]) => ({ error: { message, code, ...(errors ? { errors } : {}) } });

export async function startFakePagerDuty(options: FakePagerDutyOptions = {}): Promise<FakePagerDuty> {
  const token = options.token ?? 'pd-test-token';
  const maxLimit = options.maxLimit ?? 100;
  const state = { oncalls: options.oncalls ?? [] };
  const service = await startFakeService(
    (req, url) => {
      if (header(req, 'authorization') !== `Token token=${token}`) return { status: 401, body: error('Unauthorized', 2006) };
      if (req.method !== 'GET' || url.pathname !== '/oncalls') return { status: 404, body: error('Not Found', 2100) };
      if (header(req, 'accept') !== ACCEPT) return { status: 400, body: error('Invalid Input Provided', 2001, [`Accept must be ${ACCEPT}`]) };
      const schedules = url.searchParams.getAll('schedule_ids[]');
      const policies = url.searchParams.getAll('escalation_policy_ids[]');
      const users = url.searchParams.getAll('include[]').includes('users');
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 25), maxLimit);
      const offset = Number(url.searchParams.get('offset') ?? 0);
      if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(offset) || offset < 0)
        return { status: 400, body: error('Invalid Input Provided', 2001, ['limit and offset must be whole numbers']) };
      const matching = state.oncalls.filter(
        (entry) =>
          (schedules.length === 0 || (entry.schedule !== undefined && schedules.includes(entry.schedule))) &&
          (policies.length === 0 || policies.includes(entry.escalationPolicy)),
      );
      const page = matching.slice(offset, offset + limit).map((entry) => onCallObject(entry, users));
      return { status: 200, body: { oncalls: page, limit, offset, more: offset + limit < matching.length, total: null } };
    },
    (status) => (status === 429 ? error('Rate Limit Exceeded', 2020) : error('Internal Server Error', 2000)),
  );
  return Object.defineProperty(service, 'oncalls', {
    enumerable: true,
    get: () => state.oncalls,
    set: (value: FakeOnCall[]) => {
      state.oncalls = value;
    },
  }) as FakePagerDuty;
}

function onCallObject(entry: FakeOnCall, fullUsers: boolean) {
  const userId = `PU${entry.email
    .replace(/[^a-z0-9]/gi, '')
    .toUpperCase()
    .slice(0, 10)}`;
  const name = entry.email.split('@')[0] ?? entry.email;
  const now = Date.now();
  return {
    escalation_policy: { id: entry.escalationPolicy, type: 'escalation_policy_reference', summary: `Policy ${entry.escalationPolicy}` },
    escalation_level: entry.level ?? 1,
    schedule: entry.schedule === undefined ? null : { id: entry.schedule, type: 'schedule_reference', summary: `Schedule ${entry.schedule}` },
    user: fullUsers
      ? {
          id: userId,
          type: 'user',
          summary: name,
          name,
          email: entry.email,
          time_zone: 'Etc/UTC',
          role: 'user',
          html_url: `https://example.pagerduty.com/users/${userId}`,
        }
      : { id: userId, type: 'user_reference', summary: name },
    start: new Date(now - 3_600_000).toISOString(),
    end: new Date(now + 3_600_000).toISOString(),
    id: randomUUID(),
  };
}
