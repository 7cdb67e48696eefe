// The on-call port as the configuration asks for it, for the composition roots
// (bot.ts, compose/cli-core.ts): a client per service whose token is set, the
// shared cache. (The policy's rules are checked against the tokens where the
// policy is loaded: compose/startup.ts and `jit policy check`.)

import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { UserEmails } from '../ports/on-call.js';
import { DEFAULT_TIMEOUT_MS } from './http.js';
import { Opsgenie } from './opsgenie.js';
import { PagerDuty } from './pagerduty.js';
import { ServiceOnCall } from './service.js';

/** The variables of src/config/env.ts that concern on-call conditions. */
export interface OnCallSettings {
  JIT_PAGERDUTY_TOKEN?: string | undefined;
  JIT_PAGERDUTY_URL: string;
  JIT_OPSGENIE_TOKEN?: string | undefined;
  JIT_OPSGENIE_URL: string;
  /** Milliseconds. */
  JIT_ONCALL_CACHE: number;
}

export interface OnCallWiring {
  emails: UserEmails;
  clock: Clock;
  logger: Logger;
  /** One call's deadline; default 3 s. */
  timeoutMs?: number;
}

export function createOnCall(settings: OnCallSettings, wiring: OnCallWiring): ServiceOnCall {
  const timeoutMs = wiring.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new ServiceOnCall({
    emails: wiring.emails,
    clock: wiring.clock,
    logger: wiring.logger,
    cacheMs: settings.JIT_ONCALL_CACHE,
    ...(settings.JIT_PAGERDUTY_TOKEN ? { pagerduty: new PagerDuty({ url: settings.JIT_PAGERDUTY_URL, token: settings.JIT_PAGERDUTY_TOKEN, timeoutMs }) } : {}),
    ...(settings.JIT_OPSGENIE_TOKEN ? { opsgenie: new Opsgenie({ url: settings.JIT_OPSGENIE_URL, token: settings.JIT_OPSGENIE_TOKEN, timeoutMs }) } : {}),
  });
}
