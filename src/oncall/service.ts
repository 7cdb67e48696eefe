// The on-call port over PagerDuty and Opsgenie: a Slack user is on call when
// their e-mail (UserEmails) is among the on-call people of any place a rule
// names. Each place is read once per JIT_ONCALL_CACHE and all at once; a place
// that cannot be read (no token, unreachable, an error) does not count, and
// its sentence goes into the answer: fail closed, and said.

import type { OnCallStatus } from '../domain/rules-on-call.js';
import type { OnCallMatch } from '../domain/types.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { OnCall, UserEmails } from '../ports/on-call.js';
import { ServiceProblem } from './http.js';
import type { Opsgenie } from './opsgenie.js';
import type { PagerDuty, PagerDutyPlace } from './pagerduty.js';
import { TtlCache } from './ttl-cache.js';

export interface ServiceOnCallOptions {
  emails: UserEmails;
  /** Absent: JIT_PAGERDUTY_TOKEN is not set. */
  pagerduty?: PagerDuty;
  /** Absent: JIT_OPSGENIE_TOKEN is not set. */
  opsgenie?: Opsgenie;
  clock: Clock;
  /** JIT_ONCALL_CACHE. */
  cacheMs: number;
  logger: Logger;
}

interface Place {
  /** In onCallPlaces' words: `PagerDuty schedule PABC123`. */
  label: string;
  /** Absent when the service's token is not set: `unavailable` says so (the policy load warned already: not logged again). */
  read?: () => Promise<Set<string>>;
  unavailable?: string;
}

export class ServiceOnCall implements OnCall {
  private readonly cache: TtlCache<Set<string>>;

  constructor(private readonly options: ServiceOnCallOptions) {
    this.cache = new TtlCache(options.clock, options.cacheMs);
  }

  async status(user: string, where: OnCallMatch): Promise<OnCallStatus> {
    const places = this.placesOf(where);
    const email = await this.options.emails.emailOf(user);
    if (!email.ok) return { onCall: false, problems: [email.problem] };
    const wanted = email.email.trim().toLowerCase();
    const read = await Promise.all(
      places.map(async (place) => {
        if (place.read === undefined) return { place, problem: place.unavailable ?? `${place.label} cannot be read` };
        try {
          return { place, people: await this.cache.get(place.label, place.read) };
        } catch (error) {
          const problem = error instanceof ServiceProblem ? error.message : `${place.label.split(' ')[0]} could not be read (${String(error)})`;
          this.options.logger.warn(`on-call: ${place.label}: ${problem}`);
          return { place, problem };
        }
      }),
    );
    const found = read.find((answer) => answer.people?.has(wanted));
    if (found !== undefined) return { onCall: true, where: found.place.label };
    const problems = [...new Set(read.flatMap((answer) => (answer.problem === undefined ? [] : [answer.problem])))];
    return { onCall: false, problems };
  }

  private placesOf(where: OnCallMatch): Place[] {
    const pagerduty = (kind: PagerDutyPlace, noun: string) => (id: string) => this.pagerdutyPlace(`PagerDuty ${noun} ${id}`, kind, id);
    return [
      ...(where.pagerduty?.schedules ?? []).map(pagerduty('schedule', 'schedule')),
      ...(where.pagerduty?.escalationPolicies ?? []).map(pagerduty('escalation_policy', 'escalation policy')),
      ...(where.opsgenie?.schedules ?? []).map((name) => this.opsgeniePlace(name)),
    ];
  }

  private pagerdutyPlace(label: string, kind: PagerDutyPlace, id: string): Place {
    const client = this.options.pagerduty;
    if (client === undefined) return { label, unavailable: 'PagerDuty cannot be asked (JIT_PAGERDUTY_TOKEN is not set)' };
    return { label, read: () => client.onCallEmails(kind, id) };
  }

  private opsgeniePlace(name: string): Place {
    const client = this.options.opsgenie;
    const label = `Opsgenie schedule ${name}`;
    if (client === undefined) return { label, unavailable: 'Opsgenie cannot be asked (JIT_OPSGENIE_TOKEN is not set)' };
    return { label, read: () => client.onCallEmails(name) };
  }
}

/** E-mail addresses for a process that cannot look them up (the CLI without SLACK_BOT_TOKEN): every answer is this sentence. */
export function noEmails(problem: string): UserEmails {
  return { emailOf: async () => ({ ok: false, problem }) };
}
