// Who is on call now, as far as a rule's `match.onCall` needs it. The adapter
// (oncall/service.ts) asks PagerDuty and Opsgenie, matching people by e-mail
// (UserEmails: Slack's users.info in slack/directory.ts); the twin below has
// fixed rotas and can play a service that is down, for tests.
//
// Neither ever throws: a place that cannot be read is an answer that does not
// hold, with a sentence saying why (fail closed, and said).

import { type OnCallStatus, onCallPlaces } from '../domain/rules-on-call.js';
import type { OnCallMatch } from '../domain/types.js';

export interface OnCall {
  /** Whether `user` (a Slack user ID) is on call now in any place `where` names. */
  status(user: string, where: OnCallMatch): Promise<OnCallStatus>;
}

/** A user's e-mail address, or the sentence saying why there is none. */
export type EmailAnswer = { ok: true; email: string } | { ok: false; problem: string };

/** How on-call services, which know people by e-mail, learn a Slack user's. */
export interface UserEmails {
  emailOf(user: string): Promise<EmailAnswer>;
}

/** The answer of a process that has no on-call port at all. */
export const ON_CALL_NOT_WIRED: OnCallStatus = { onCall: false, problems: ['on-call lookups are not set up in this process'] };

/**
 * The in-memory twin: `rota` maps a place, in onCallPlaces' words
 * (`PagerDuty schedule PABC123`), to the users on call there; `down` names
 * services (`PagerDuty`, `Opsgenie`) that answer with a problem instead.
 */
export class StaticOnCall implements OnCall {
  /** Every question asked, for tests that check nothing was asked. */
  readonly asked: { user: string; where: OnCallMatch }[] = [];

  constructor(
    readonly rota: Record<string, string[]> = {},
    readonly down: Record<string, string> = {},
  ) {}

  async status(user: string, where: OnCallMatch): Promise<OnCallStatus> {
    this.asked.push({ user, where });
    const problems: string[] = [];
    for (const place of onCallPlaces(where)) {
      const service = place.startsWith('PagerDuty') ? 'PagerDuty' : 'Opsgenie';
      const problem = this.down[service];
      if (problem !== undefined) {
        if (!problems.includes(problem)) problems.push(problem);
        continue;
      }
      if (this.rota[place]?.includes(user)) return { onCall: true, where: place };
    }
    return { onCall: false, problems };
  }
}
