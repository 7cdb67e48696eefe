// Opsgenie's Who-is-on-call API: who is on call now in one schedule, as
// lower-case e-mail addresses (an Opsgenie user's name is their e-mail).
// GET /v2/schedules/{identifier}/on-calls with flat=true lists the recipients'
// names; with no date it reads the present moment. A schedule is named in the
// rule by name, or by ID (a UUID).

import { errorMessage, getJson, ServiceProblem } from './http.js';

export interface OpsgenieOptions {
  /** JIT_OPSGENIE_URL without a trailing slash, e.g. https://api.opsgenie.com (https://api.eu.opsgenie.com in the EU). */
  url: string;
  token: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class Opsgenie {
  constructor(private readonly options: OpsgenieOptions) {}

  async onCallEmails(schedule: string): Promise<Set<string>> {
    const query = new URLSearchParams({ scheduleIdentifierType: UUID.test(schedule) ? 'id' : 'name', flat: 'true' });
    const { status, body } = await getJson({
      service: 'Opsgenie',
      tokenVariable: 'JIT_OPSGENIE_TOKEN',
      url: `${this.options.url}/v2/schedules/${encodeURIComponent(schedule)}/on-calls?${query}`,
      headers: { Authorization: `GenieKey ${this.options.token}`, Accept: 'application/json' },
      timeoutMs: this.options.timeoutMs,
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
    });
    if (status === 404) throw new ServiceProblem(`Opsgenie has no schedule ${schedule} (HTTP 404): check the name in the rule`);
    if (status === 400) {
      const message = errorMessage(body);
      throw new ServiceProblem(`Opsgenie refused to list the on-calls of schedule ${schedule} (HTTP 400${message ? `: ${message}` : ''})`);
    }
    const recipients = (body as { data?: { onCallRecipients?: unknown } })?.data?.onCallRecipients;
    if (!Array.isArray(recipients)) throw new ServiceProblem(`Opsgenie's answer for schedule ${schedule} has no on-call recipients`);
    return new Set(recipients.filter((name): name is string => typeof name === 'string' && name.trim() !== '').map((name) => name.trim().toLowerCase()));
  }
}
