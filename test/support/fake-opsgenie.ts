// A fake Opsgenie Who-is-on-call API on loopback, in the real shapes: GET
// /v2/schedules/{identifier}/on-calls with scheduleIdentifierType (id by
// default, or name) and flat (user names in data.onCallRecipients; otherwise
// participant objects), `Authorization: GenieKey …` checked (401 otherwise), 404
// for an unknown schedule, and scripted 429/500 answers. Bodies carry `took`
// and `requestId` as Opsgenie's do.

import { randomUUID } from 'node:crypto';
import { type FakeService, header, startFakeService } from './fake-oncall-http.js';

export interface FakeSchedule {
  id: string;
  name: string;
  /** E-mail addresses (Opsgenie user names) on call now. */
  onCall: string[];
}

export interface FakeOpsgenieOptions {
  token?: string;
  schedules?: FakeSchedule[];
}

export interface FakeOpsgenie extends FakeService {
  schedules: FakeSchedule[];
}

const envelope = (rest: Record<string, unknown>) => ({ ...rest, took: 0.012, requestId: randomUUID() });

export async function startFakeOpsgenie(options: FakeOpsgenieOptions = {}): Promise<FakeOpsgenie> {
  const token = options.token ?? 'og-test-token';
  const state = { schedules: options.schedules ?? [] };
  const service = await startFakeService(
    (req, url) => {
      if (header(req, 'authorization') !== `GenieKey ${token}`) return { status: 401, body: envelope({ message: 'Could not authenticate' }) };
      const match = /^\/v2\/schedules\/([^/]+)\/on-calls$/.exec(url.pathname);
      if (req.method !== 'GET' || !match) return { status: 404, body: envelope({ message: 'Not found' }) };
      const identifier = decodeURIComponent(match[1] as string);
      const type = url.searchParams.get('scheduleIdentifierType') ?? 'id';
      if (type !== 'id' && type !== 'name') return { status: 422, body: envelope({ message: 'Schedule identifier type is not valid' }) };
      const schedule = state.schedules.find((s) => (type === 'id' ? s.id === identifier : s.name === identifier));
      if (!schedule) return { status: 404, body: envelope({ message: `Schedule with identifier [${identifier}] does not exist` }) };
      const parent = { id: schedule.id, name: schedule.name, enabled: true };
      const data =
        url.searchParams.get('flat') === 'true'
          ? { _parent: parent, onCallRecipients: schedule.onCall }
          : { _parent: parent, onCallParticipants: schedule.onCall.map((name) => ({ id: randomUUID(), name, type: 'user' })) };
      return { status: 200, body: envelope({ data }) };
    },
    (status) => envelope({ message: status === 429 ? 'Too many requests' : 'Internal Server Error' }),
  );
  return Object.defineProperty(service, 'schedules', {
    enumerable: true,
    get: () => state.schedules,
    set: (value: FakeSchedule[]) => {
      state.schedules = value;
    },
  }) as FakeOpsgenie;
}
