// PagerDuty REST API v2: who is on call now in one schedule or escalation
// policy, as lower-case e-mail addresses. GET /oncalls with no since/until
// reads the present moment; include[]=users puts each user's e-mail in the
// answer; earliest=true keeps one entry per user and level. Paginated with
// limit/offset/more.

import { errorMessage, getJson, ServiceProblem } from './http.js';

export type PagerDutyPlace = 'schedule' | 'escalation_policy';

export interface PagerDutyOptions {
  /** JIT_PAGERDUTY_URL without a trailing slash, e.g. https://api.pagerduty.com. */
  url: string;
  token: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

const PAGE = 100;
/** A rota of more than 2,000 on-call entries is not one; stop rather than page forever. */
const MAX_PAGES = 20;

interface OnCallsPage {
  oncalls?: { user?: { email?: unknown } | null }[];
  more?: unknown;
}

export class PagerDuty {
  constructor(private readonly options: PagerDutyOptions) {}

  async onCallEmails(place: PagerDutyPlace, id: string): Promise<Set<string>> {
    const emails = new Set<string>();
    let offset = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      const query = new URLSearchParams();
      query.append(place === 'schedule' ? 'schedule_ids[]' : 'escalation_policy_ids[]', id);
      query.append('include[]', 'users');
      query.append('earliest', 'true');
      query.append('limit', String(PAGE));
      query.append('offset', String(offset));
      const { status, body } = await getJson({
        service: 'PagerDuty',
        tokenVariable: 'JIT_PAGERDUTY_TOKEN',
        url: `${this.options.url}/oncalls?${query}`,
        headers: { Authorization: `Token token=${this.options.token}`, Accept: 'application/vnd.pagerduty+json;version=2' },
        timeoutMs: this.options.timeoutMs,
        ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      });
      const what = place === 'schedule' ? `schedule ${id}` : `escalation policy ${id}`;
      if (status === 400 || status === 404) {
        const message = errorMessage(body);
        throw new ServiceProblem(
          `PagerDuty refused to list the on-calls of ${what} (HTTP ${status}${message ? `: ${message}` : ''}): check the ID in the rule`,
        );
      }
      const answer = body as OnCallsPage;
      if (!Array.isArray(answer?.oncalls)) throw new ServiceProblem(`PagerDuty's answer for ${what} has no on-call list`);
      for (const entry of answer.oncalls) {
        const email = entry?.user?.email;
        if (typeof email === 'string' && email.trim() !== '') emails.add(email.trim().toLowerCase());
      }
      if (answer.more !== true || answer.oncalls.length === 0) return emails;
      // The next page starts after what this one held: PagerDuty may give fewer than asked.
      offset += answer.oncalls.length;
    }
    return emails;
  }
}
